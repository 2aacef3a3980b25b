"""The commissioner pack: borough summary, Excel workbook, offline HTML report, index."""
