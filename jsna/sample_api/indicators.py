"""The indicators the offline sample API knows, with the metadata a real one serves.

This is the sample server's own "database", deliberately separate from the project's
catalogue: the pipeline must discover what the server knows the same way it does
against the live API. Names and units follow Fingertips; every value the server
serves for them is synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SampleIndicator:
    """How the sample server describes and generates one indicator."""

    id: int
    name: str
    unit: str  # "%", "per 100,000", "per 1,000", "years", "score", "days"
    value_type: str
    year_type: str
    periods: str  # calendar | financial | pooled3 | fin_pooled3 | quarterly | rolling12
    polarity: str
    low: float  # typical range of the value
    high: float
    sexes: tuple[str, ...] = ("Persons",)
    ages: tuple[str, ...] = ("All ages",)
    deprivation: bool = False  # England rows carry deprivation-decile breakdowns
    groups: bool = False  # council rows carry within-area deprivation quintiles and ethnic groups
    at_502: bool = True  # False: the server has no data at area type 502
    compared: bool = True  # False: the server leaves the comparison columns empty
    at_msoa: bool = False  # True: also served at MSOA level (area type 3), the councils as parents
    at_icb: bool = False  # True: also served at ICB level (area type 221), England as parent


LOW = "RAG - Low is good"
HIGH = "RAG - High is good"
BOB = "BOB - Blue orange blue"
NA = "Not applicable"
P, MF = ("Persons",), ("Persons", "Male", "Female")
PROP, CRUDE, DSR = "Proportion", "Crude rate", "Directly standardised rate"

# One line per indicator: a table to read down, so the formatter leaves it alone.
# fmt: off
SAMPLE_INDICATORS: tuple[SampleIndicator, ...] = (
    SampleIndicator(22301, 'Self-reported wellbeing: people with a low satisfaction score', '%', PROP, 'Financial', 'financial', LOW, 3, 8, ages=('16+ yrs',)),
    SampleIndicator(22302, 'Self-reported wellbeing: people with a low worthwhile score', '%', PROP, 'Financial', 'financial', LOW, 2, 6, ages=('16+ yrs',)),
    SampleIndicator(22303, 'Self-reported wellbeing: people with a low happiness score', '%', PROP, 'Financial', 'financial', LOW, 6, 11, ages=('16+ yrs',)),
    SampleIndicator(22304, 'Self-reported wellbeing: people with a high anxiety score', '%', PROP, 'Financial', 'financial', LOW, 18, 27, ages=('16+ yrs',)),
    SampleIndicator(94175, 'Loneliness: Percentage of adults who feel lonely often or always or some of the time', '%', PROP, 'Financial', 'financial', LOW, 18, 30, ages=('16+ yrs',)),
    SampleIndicator(90280, 'Social Isolation: percentage of adult social care users who have as much social contact as they would like (18+ yrs)', '%', PROP, 'Financial', 'financial', HIGH, 35, 50, ages=('18+ yrs',)),
    SampleIndicator(90638, 'Social Isolation: percentage of adult carers who have as much social contact as they would like (18+ yrs)', '%', PROP, 'Financial', 'financial', HIGH, 20, 40, ages=('18+ yrs',)),
    SampleIndicator(93014, 'Percentage of physically active adults', '%', PROP, 'Financial', 'financial', HIGH, 58, 74, ages=('19+ yrs',), compared=False),
    SampleIndicator(11601, 'Utilisation of outdoor space for exercise or health reasons', '%', PROP, 'Financial', 'financial', HIGH, 10, 25, ages=('16+ yrs',)),
    SampleIndicator(848, 'Depression: QOF prevalence (18+ yrs)', '%', PROP, 'Financial', 'financial', NA, 6, 15, ages=('18+ yrs',), deprivation=True, groups=True, at_icb=True),
    SampleIndicator(90646, 'Depression: QOF incidence (18+ yrs) - new diagnosis\n', '%', PROP, 'Financial', 'financial', NA, 0.8, 1.9, ages=('18+ yrs',), at_icb=True),
    SampleIndicator(91243, 'Depression: % of those newly diagnosed who had a review 10 to 56 days after diagnosis', '%', PROP, 'Financial', 'financial', HIGH, 60, 85, ages=('18+ yrs',), at_icb=True),
    SampleIndicator(93495, 'Estimated prevalence of common mental disorders: % of population aged 16 & over', '%', PROP, 'Calendar', 'calendar', NA, 15, 22, ages=('16+ yrs',)),
    SampleIndicator(90535, 'Depression and anxiety among social care users: % of social care users', '%', PROP, 'Financial', 'financial', LOW, 40, 60, ages=('18+ yrs',)),
    SampleIndicator(91280, 'Smoking prevalence in adults (15+) - current smokers (QOF)', '%', PROP, 'Financial', 'financial', LOW, 12, 20, ages=('15+ yrs',), compared=False, at_icb=True),
    SampleIndicator(90581, 'Mental Health: QOF prevalence (all ages)', '%', PROP, 'Financial', 'financial', NA, 0.7, 1.6, deprivation=True, at_icb=True),
    SampleIndicator(90600, 'Severe mental illness: comprehensive care plan (den.incl.exc)', '%', PROP, 'Financial', 'financial', HIGH, 45, 80, at_icb=True),
    SampleIndicator(90603, 'Mental health: BP check (den.incl.exc)', '%', PROP, 'Financial', 'financial', HIGH, 60, 85, at_icb=True),
    SampleIndicator(91096, 'Excess under 75 mortality rate in adults with severe mental illness (SMI)', '%', 'Indirectly standardised ratio', 'Financial', 'fin_pooled3', LOW, 300, 500, ages=('18-74 yrs',)),
    SampleIndicator(10602, 'Adults in contact with secondary mental health services who live in stable and appropriate accommodation', '%', PROP, 'Financial', 'financial', HIGH, 30, 80, ages=('18-69 yrs',)),
    SampleIndicator(90635, 'Gap in the employment rate for those who are in contact with secondary mental health services and the overall employment rate', '%', 'Percentage point', 'Financial', 'financial', LOW, 55, 72, ages=('18-69 yrs',)),
    SampleIndicator(10601, 'Adults with a learning disability who live in stable and appropriate accommodation', '%', PROP, 'Financial', 'financial', HIGH, 60, 90, ages=('18-64 yrs',)),
    SampleIndicator(41001, 'Suicide rate', 'per 100,000', DSR, 'Calendar', 'pooled3', LOW, 6, 13, sexes=MF, ages=('10+ yrs',)),
    SampleIndicator(93972, 'Suicide rate by age and sex', 'per 100,000', CRUDE, 'Calendar', 'pooled3', LOW, 4, 20, sexes=MF, ages=('10-34 yrs', '35-64 yrs', '65+ yrs')),
    SampleIndicator(91404, 'Years of life lost due to suicide, age-standardised rate 15-74 years: per 10,000 population', 'per 10,000', DSR, 'Calendar', 'pooled3', LOW, 20, 45, sexes=MF, ages=('15-74 yrs',)),
    SampleIndicator(21001, 'Emergency Hospital Admissions for Intentional Self-Harm', 'per 100,000', DSR, 'Financial', 'financial', LOW, 60, 220, sexes=MF, deprivation=True, groups=True),
    SampleIndicator(91414, 'Admission episodes for alcohol-related conditions (Narrow)', 'per 100,000', DSR, 'Financial', 'financial', LOW, 300, 650, sexes=MF),
    SampleIndicator(90813, 'Hospital admissions as a result of self-harm (10-24 years)', 'per 100,000', DSR, 'Financial', 'financial', LOW, 150, 500, sexes=MF, ages=('10-24 yrs', '10-14 yrs', '15-19 yrs', '20-24 yrs')),
    SampleIndicator(91871, 'School pupils with social, emotional and mental health needs: % of school pupils with social, emotional and mental health needs (School age)', '%', PROP, 'Academic', 'calendar', NA, 2, 4, ages=('School age',)),
    SampleIndicator(92315, 'Percentage of looked after children whose emotional wellbeing is a cause for concern', '%', PROP, 'Financial', 'financial', LOW, 30, 45, ages=('5-16 yrs',)),
    SampleIndicator(93203, '16 to 17 year olds not in education, employment or training (NEET) or whose activity is not known', '%', PROP, 'Calendar', 'calendar', LOW, 3, 8, ages=('16-17 yrs',)),
    SampleIndicator(10101, 'Children in low income families (under 16s)', '%', PROP, 'Calendar', 'calendar', LOW, 10, 30, ages=('<16 yrs',)),
    SampleIndicator(10301, 'Pupil absence', '%', PROP, 'Academic', 'calendar', LOW, 4, 7, ages=('5-15 yrs',)),
    SampleIndicator(10401, 'First time entrants to the youth justice system', 'per 100,000', CRUDE, 'Calendar', 'calendar', LOW, 80, 300, ages=('10-17 yrs',)),
    SampleIndicator(92949, 'Estimated dementia diagnosis rate (aged 65 and older)', '%', PROP, 'Calendar', 'rolling12', HIGH, 55, 80, ages=('65+ yrs',), at_icb=True),
    SampleIndicator(247, 'Dementia: QOF prevalence (all ages)', '%', PROP, 'Financial', 'financial', NA, 0.3, 0.9, at_icb=True),
    SampleIndicator(93496, 'Estimated prevalence of common mental disorders: % of population aged 65 & over', '%', PROP, 'Calendar', 'calendar', NA, 9, 13, ages=('65+ yrs',), at_502=False),
    SampleIndicator(22401, 'Emergency hospital admissions due to falls in people aged 65 and over', 'per 100,000', DSR, 'Financial', 'financial', LOW, 1600, 2600, sexes=MF, ages=('65+ yrs',)),
    SampleIndicator(93553, 'Deprivation score (IMD 2019)', 'score', 'Score', 'Calendar', 'calendar', LOW, 10, 40),
    SampleIndicator(93735, 'Households in temporary accommodation', 'per 1,000', CRUDE, 'Financial', 'quarterly', LOW, 1, 30),
    SampleIndicator(91126, 'Unemployment (model-based)', '%', PROP, 'Calendar', 'calendar', LOW, 3, 7, ages=('16-64 yrs',)),
    SampleIndicator(10901, 'Sickness absence: the percentage of working days lost due to sickness absence', '%', PROP, 'Calendar', 'pooled3', LOW, 0.7, 1.5, ages=('16+ yrs',)),
    SampleIndicator(11201, 'Violent crime: hospital admissions for violence (including sexual violence)', 'per 100,000', DSR, 'Financial', 'fin_pooled3', LOW, 25, 70),
    SampleIndicator(92443, 'Smoking Prevalence in adults (18+) - current smokers (APS)', '%', PROP, 'Calendar', 'calendar', LOW, 8, 16, ages=('18+ yrs',)),
    SampleIndicator(93015, 'Percentage of physically inactive adults', '%', PROP, 'Financial', 'financial', LOW, 18, 30, ages=('19+ yrs',)),
    SampleIndicator(93239, 'Emergency hospital admissions for intentional self-harm, standardised admission ratio', '%', 'Indirectly standardised ratio', 'Financial', 'fin_pooled3', LOW, 60, 160, at_msoa=True),
    SampleIndicator(93097, 'People claiming out of work benefit (16-64 yrs)', '%', PROP, 'Calendar', 'calendar', LOW, 2, 9, ages=('16-64 yrs',), at_msoa=True),
    SampleIndicator(93098, 'Long term claimants of out of work benefit (16-64 yrs)', '%', PROP, 'Calendar', 'calendar', LOW, 1, 5, ages=('16-64 yrs',), at_msoa=True),
    SampleIndicator(93280, 'Fuel poverty (low income, low energy efficiency methodology)', '%', PROP, 'Calendar', 'calendar', LOW, 6, 22, at_msoa=True),
    SampleIndicator(93275, 'Income deprivation, English Indices of Deprivation 2019', '%', PROP, 'Calendar', 'calendar', LOW, 4, 30, at_msoa=True),
    SampleIndicator(90366, 'Life expectancy at birth', 'years', 'Life expectancy', 'Calendar', 'pooled3', HIGH, 78, 86, sexes=('Male', 'Female')),
)
# fmt: on

# Extra ids so that tests and benchmarks can ask for more than 100 indicators at once
# and check that none is lost to the server's 100-id truncation.
FILLER_RANGE = range(990001, 990201)


def filler(iid: int) -> SampleIndicator:
    """A plain synthetic indicator for an id in ``FILLER_RANGE``."""
    return SampleIndicator(iid, f"Synthetic filler indicator {iid}", "%", PROP, "Calendar", "calendar", NA, 5, 50)


def known_indicators() -> dict[int, SampleIndicator]:
    """Every id the sample server knows."""
    table = {i.id: i for i in SAMPLE_INDICATORS}
    table.update({iid: filler(iid) for iid in FILLER_RANGE})
    return table
