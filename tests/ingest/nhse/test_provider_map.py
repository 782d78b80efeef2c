"""Provider to ICB and region reference importer."""

from __future__ import annotations

from collections.abc import Callable

from perfdash.ingest.csvtext import header_cells
from perfdash.ingest.nhse import provider_map

HEADER = "Code,Name,ICB Code,ICB Name,Region Name"


def test_real_mapping_file_parses(real_file: Callable[[str], str]) -> None:
    text = real_file("provider-icb-mapping.csv")
    assert provider_map.matches(header_cells(text))
    parsed = provider_map.parse(text)
    assert parsed.errors == []
    assert parsed.rows.empty
    reference = parsed.reference
    assert list(reference.columns) == ["code", "name", "icb_code", "icb_name", "region"]
    assert reference["code"].is_unique
    data_lines = [line for line in text.splitlines()[1:] if line.strip()]
    assert len(reference) == len({line.split(",")[0] for line in data_lines})
    assert not reference["region"].str.contains("Commissioning Region").any()
    assert "London" in set(reference["region"])
    # The published file repeats one row verbatim: reported as a warning, kept once.
    assert all(p.severity == "warning" and "identical" in p.message for p in parsed.warnings)


def test_region_suffix_stripped_and_codes_normalised() -> None:
    text = f'{HEADER}\n r1h ,Barts Health NHS Trust,qmf,"NHS North East London ICB",London Commissioning Region\n'
    parsed = provider_map.parse(text)
    assert parsed.problems == []
    assert parsed.reference.to_dict("records") == [
        {
            "code": "R1H",
            "name": "Barts Health NHS Trust",
            "icb_code": "QMF",
            "icb_name": "NHS North East London ICB",
            "region": "London",
        }
    ]


def test_duplicate_and_blank_codes_are_problems() -> None:
    text = (
        f"{HEADER}\n"
        "R1H,Barts,QMF,NEL,London Commissioning Region\n"
        "R1H,Barts,QMF,NEL,London Commissioning Region\n"
        "R1H,Barts,QHG,BLMK,East of England Commissioning Region\n"
        ",Nameless,QMF,NEL,London Commissioning Region\n"
    )
    parsed = provider_map.parse(text)
    located = {(p.line, p.column, p.severity) for p in parsed.problems}
    assert located == {(3, "Code", "warning"), (4, "Code", "error"), (5, "Code", "error")}
    assert parsed.reference["code"].tolist() == ["R1H"]
    assert parsed.reference["icb_code"].tolist() == ["QMF"]  # the first mapping is kept


def test_header_is_strict() -> None:
    assert provider_map.matches(HEADER.split(","))
    assert not provider_map.matches(["Code", "Name", "ICB Code", "ICB Name", "Region"])
    assert not provider_map.matches([*HEADER.split(","), "Type"])
