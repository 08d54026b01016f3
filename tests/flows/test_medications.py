"""The shipped medication list and recognising the medicine a patient types."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from flows.medications import (
    CSV_COLUMNS,
    KnownMedication,
    all_medications,
    compact_dose,
    find,
    name_key,
    parse_dose,
    read_medications,
    recognise,
    same_dose,
    usual_strength,
)

STRENGTH = re.compile(
    r"^\d+(?:\.\d+)? (?:mg|mcg|g|mL|units)"  # an amount: "50 mg", "0.5 mg", "1000 units"
    r"(?:/(?:\d+(?:\.\d+)? (?:mg|mcg|g|mL)|mL|\d+ hr))?$"  # "/2 mg", "/mL", "/24 hr"
)


def medication(generic: str) -> KnownMedication:
    found = find(generic)
    assert found is not None, generic
    return found


# --- the list ------------------------------------------------------------------------------


def test_the_csv_ships_in_the_package_and_has_its_columns() -> None:
    text = resources.files("flows").joinpath("data/medications.csv").read_text(encoding="utf-8")
    assert tuple(text.splitlines()[0].split(",")) == CSV_COLUMNS
    assert read_medications(text) == all_medications()


def test_the_list_covers_the_common_psychiatric_medications() -> None:
    medications = all_medications()
    assert len(medications) >= 80
    generics = {m.generic for m in medications}
    for generic in (
        "sertraline",
        "escitalopram",
        "venlafaxine",
        "duloxetine",
        "bupropion",
        "mirtazapine",
        "trazodone",
        "amitriptyline",
        "phenelzine",
        "vortioxetine",
        "vilazodone",
        "haloperidol",
        "aripiprazole",
        "paliperidone palmitate",
        "quetiapine",
        "clozapine",
        "lithium",
        "lamotrigine",
        "divalproex",
        "carbamazepine",
        "oxcarbazepine",
        "topiramate",
        "clonazepam",
        "buspirone",
        "hydroxyzine",
        "propranolol",
        "prazosin",
        "clonidine",
        "guanfacine",
        "methylphenidate",
        "lisdexamfetamine",
        "atomoxetine",
        "zolpidem",
        "melatonin",
        "naltrexone",
        "buprenorphine",
        "disulfiram",
        "acamprosate",
        "varenicline",
        "esketamine",
        "zuranolone",
    ):
        assert generic in generics
    classes = {m.drug_class for m in medications}
    assert "supplement" in classes
    assert any("long-acting" in c for c in classes)


def test_every_row_is_well_formed() -> None:
    for med in all_medications():
        assert med.generic and med.generic == med.generic.strip(), med
        assert med.drug_class, med
        assert med.strengths, med
        for brand in med.brands:
            assert brand and brand == brand.strip() and ";" not in brand, med
        for strength in med.strengths:
            assert STRENGTH.match(strength), (med.generic, strength)
        assert len(set(med.strengths)) == len(med.strengths), med.generic
        assert len(set(med.brands)) == len(med.brands), med.generic


def test_no_name_belongs_to_two_rows() -> None:
    owner: dict[str, str] = {}
    for med in all_medications():
        for name in med.names:
            key = name_key(name)[0]
            assert owner.setdefault(key, med.generic) == med.generic, (name, owner[key])


def test_display_is_the_generic_with_its_first_brand() -> None:
    assert medication("sertraline").display == "sertraline (Zoloft)"
    assert medication("melatonin").display == "melatonin"  # no brand


def test_strengths_are_split_into_a_tuple() -> None:
    sertraline = medication("sertraline")
    assert sertraline.brands == ("Zoloft",)
    assert sertraline.strengths[:3] == ("25 mg", "50 mg", "100 mg")
    assert sertraline.drug_class == "SSRI antidepressant"


def test_a_csv_with_other_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="columns"):
        read_medications("name,brands\nsertraline,Zoloft\n")


# --- recognising names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "generic", "matched"),
    [
        ("sertraline", "sertraline", "sertraline"),
        ("SERTRALINE", "sertraline", "sertraline"),
        ("  Sertraline  ", "sertraline", "sertraline"),
        ("Zoloft", "sertraline", "Zoloft"),
        ("zoloft", "sertraline", "Zoloft"),
        ("Lamictal", "lamotrigine", "Lamictal"),
        ("Zyban", "bupropion", "Zyban"),
        ("sertraline HCl", "sertraline", "sertraline"),
        ("lithium carbonate", "lithium", "lithium"),
        ("divalproex sodium", "divalproex", "divalproex"),
        ("St John's Wort", "St. John's wort", "St. John's wort"),
        ("dextroamphetamine/amphetamine", "dextroamphetamine-amphetamine", None),
        ("valproate", "valproic acid", "valproic acid"),
        ("fish oil", "omega-3 fatty acids", "omega-3 fatty acids"),
        ("Invega Sustenna", "paliperidone palmitate", "Invega Sustenna"),
        ("Invega", "paliperidone", "Invega"),
    ],
)
def test_exact_by_generic_brand_or_other_name(typed: str, generic: str, matched: str) -> None:
    recognition = recognise(typed)
    assert recognition.status == "exact"
    assert recognition.medication is not None
    assert recognition.medication.generic == generic
    if matched is not None:
        assert recognition.matched == matched
    assert recognition.typed == typed.strip()
    assert recognition.form is None


@pytest.mark.parametrize(
    ("typed", "generic", "form"),
    [
        ("wellbutrin xl", "bupropion", "XL"),
        ("Wellbutrin XL", "bupropion", "XL"),
        ("Wellbutrin SR", "bupropion", "SR"),
        ("Seroquel XR", "quetiapine", "XR"),
        ("Effexor-XR", "venlafaxine", "XR"),
        ("Depakote ER", "divalproex", "ER"),
        ("Lamictal ODT", "lamotrigine", "ODT"),
        ("Ambien CR", "zolpidem", "CR"),
        ("Cymbalta DR", "duloxetine", "DR"),
        ("lithium carbonate ER", "lithium", "ER"),
        ("Cotempla XR-ODT", "methylphenidate", "XR ODT"),
        ("Forfivo XL", "bupropion", "XL"),
        ("Forfivo", "bupropion", None),
    ],
)
def test_release_form_suffixes_are_ignored_for_the_match_but_kept(
    typed: str, generic: str, form: str | None
) -> None:
    recognition = recognise(typed)
    assert recognition.status == "exact"
    assert recognition.medication is not None and recognition.medication.generic == generic
    assert recognition.typed == typed
    assert recognition.form == form


def test_a_suffix_alone_is_a_name_not_a_form() -> None:
    assert recognise("XR").status == "unknown"
    assert name_key("XR") == ("xr", ())


@pytest.mark.parametrize(
    ("typed", "generic", "matched"),
    [
        ("setraline", "sertraline", "sertraline"),
        ("zolof", "sertraline", "Zoloft"),
        ("lamictol", "lamotrigine", "Lamictal"),
        ("seroquil", "quetiapine", "Seroquel"),
        ("klonipin", "clonazepam", "Klonopin"),
        ("trazadone", "trazodone", "trazodone"),
        ("lexipro", "escitalopram", "Lexapro"),
        ("welbutrin", "bupropion", "Wellbutrin"),
        ("adderal", "dextroamphetamine-amphetamine", "Adderall"),
        ("abilfy", "aripiprazole", "Abilify"),
        ("Invega Sustena", "paliperidone palmitate", "Invega Sustenna"),
    ],
)
def test_suggestion_for_a_close_misspelling(typed: str, generic: str, matched: str) -> None:
    recognition = recognise(typed)
    assert recognition.status == "suggestion"
    assert recognition.medication is not None and recognition.medication.generic == generic
    assert recognition.matched == matched
    assert recognition.typed == typed


def test_a_suggestion_keeps_the_typed_form_and_displays_the_brand_it_is_close_to() -> None:
    recognition = recognise("welbutrin xl")
    assert (recognition.status, recognition.form) == ("suggestion", "XL")
    assert recognition.display == "bupropion (Wellbutrin)"
    assert recognise("zolof").display == "sertraline (Zoloft)"
    assert recognise("Zyban").display == "bupropion (Zyban)"


@pytest.mark.parametrize(
    "typed",
    [
        "fuloxetine",  # as close to fluoxetine as to duloxetine
        "scitalopram",  # escitalopram and citalopram all but equally close
    ],
)
def test_no_suggestion_when_two_medicines_are_equally_close(typed: str) -> None:
    recognition = recognise(typed)
    assert recognition.status == "unknown"
    assert recognition.medication is None


@pytest.mark.parametrize(
    "typed",
    ["vitamin z", "vitamin c", "aspirin", "levothyroxine", "my pills", "xyz", "zol", "", "  "],
)
def test_far_off_and_unlisted_names_are_unknown(typed: str) -> None:
    recognition = recognise(typed)
    assert (recognition.status, recognition.medication, recognition.matched) == (
        "unknown",
        None,
        None,
    )
    assert recognition.display is None


def test_vitamins_are_told_apart_by_their_letter() -> None:
    assert recognise("vitamin D").medication == medication("vitamin D")
    assert recognise("vitamin b12").medication == medication("vitamin B12")
    assert recognise("vitamin d3").medication == medication("vitamin D")
    assert recognise("vitamin b6").status == "unknown"


# --- doses ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50 mg", (50.0, "mg")),
        ("50mg", (50.0, "mg")),
        ("50 MG", (50.0, "mg")),
        ("50 milligrams", (50.0, "mg")),
        ("0.5 mg", (0.5, "mg")),
        (".5 mg", (0.5, "mg")),
        ("0,5 mg", (0.5, "mg")),
        ("37.5mg", (37.5, "mg")),
        ("100 mcg", (100.0, "mcg")),
        ("100 µg", (100.0, "mcg")),
        ("100ug", (100.0, "mcg")),
        ("5 mL", (5.0, "mL")),
        ("5ml", (5.0, "mL")),
        ("1 g", (1.0, "g")),
        ("2 grams", (2.0, "g")),
        ("1000 units", (1000.0, "units")),
        ("1,000 IU", (1000.0, "units")),
        ("1 unit", (1.0, "units")),
        ("take 50 mg once a day", (50.0, "mg")),
        ("50 mg and another 50 mg", (50.0, "mg")),
    ],
)
def test_parse_dose(text: str, expected: tuple[float, str]) -> None:
    assert parse_dose(text) == expected


@pytest.mark.parametrize(
    "text",
    ["50", "fifty mg", "2 tablets", "half a pill", "", "0 mg", "50 mg and 25 mg", "mg", "50 mgx"],
)
def test_parse_dose_gives_none_without_one_amount_and_unit(text: str) -> None:
    assert parse_dose(text) is None


def test_same_dose_across_spellings_and_units() -> None:
    assert same_dose("50mg", "50 mg") is True
    assert same_dose("0.5 mg", "500 mcg") is True
    assert same_dose("1 g", "1000 mg") is True
    assert same_dose("50 mg", "100 mg") is False
    assert same_dose("5 mL", "5 mg") is False
    assert same_dose("20", "20 mg") is None
    assert compact_dose("50 Milligrams") == compact_dose("50mg") == "50mg"
    assert compact_dose("8 mg/2 mg") == compact_dose("8mg / 2mg")


@pytest.mark.parametrize(
    ("generic", "dose", "expected"),
    [
        ("sertraline", "50 mg", True),
        ("sertraline", "50mg", True),
        ("sertraline", "75 mg", False),
        ("sertraline", "0.05 g", True),
        ("sertraline", None, None),
        ("sertraline", "  ", None),
        ("sertraline", "2 tablets", None),
        ("sertraline", "50", None),
        ("clonazepam", "0.5 mg", True),
        ("clonazepam", "500 mcg", True),
        ("selegiline", "6 mg", True),  # a patch strength per 24 hours
        ("selegiline", "6 mg/24 hr", True),
        ("haloperidol decanoate", "50 mg", False),  # a concentration is not a dose
        ("haloperidol decanoate", "50 mg/mL", True),
        ("buprenorphine-naloxone", "8mg/2mg", True),
        ("buprenorphine-naloxone", "8 mg/3 mg", None),
        ("vitamin D", "2000 IU", True),
        ("dexmedetomidine", "120 mcg", True),
    ],
)
def test_usual_strength(generic: str, dose: str | None, expected: bool | None) -> None:
    assert usual_strength(medication(generic), dose) is expected
