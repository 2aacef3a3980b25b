"""The commissioner pack: each area's summary, Excel workbook, offline HTML report, and the index."""
