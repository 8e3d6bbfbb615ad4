"""The NLU training data: generated reproducibly from Bitext, and every annotation true to its text."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from nlu.training_data.build import DEFAULT_CSV, PROJECT_ROOT, main

NLU_DIR = PROJECT_ROOT / "data" / "nlu"
BITEXT_DIR = NLU_DIR / "bitext"
RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"

BITEXT_INTENTS = {
    "cancel_order", "change_order", "change_shipping_address", "check_cancellation_fee", "check_invoice",
    "check_payment_methods", "check_refund_policy", "complaint", "contact_customer_service",
    "contact_human_agent", "create_account", "delete_account", "delivery_options", "delivery_period",
    "edit_account", "get_invoice", "get_refund", "newsletter_subscription", "payment_issue", "place_order",
    "recover_password", "registration_problems", "review", "set_up_shipping_address", "switch_account",
    "track_order", "track_refund",
}  # fmt: skip
# Every other intent of the domain that customers type (docs/intents.md), out_of_scope included.
NOT_TYPED = {"choose", "link_account", "channel_unreachable"}
SHOP_INTENTS = {
    name
    for name in yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())["intents"]
    if name not in BITEXT_INTENTS and name not in NOT_TYPED and not name.startswith("EXTERNAL_")
}
# Identifiers must be annotated wherever their regex matches: a missed one teaches the featurizer
# that an order number is noise, and the extractor finds it at runtime anyway.
EXHAUSTIVE_ENTITIES = {"order_number", "invoice_number", "email"}

# Rasa's markup: [text](entity) or [text]{"entity": ..., "value": ...}.
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+?)\](?:\((?P<entity>[^:)]+?)\)|(?P<dict>\{[^}]+?\}))")


def _parse(annotated: str) -> tuple[str, list[tuple[int, int, str]]]:
    plain, spans, cursor = [], [], 0
    for match in _ANNOTATION.finditer(annotated):
        plain.append(annotated[cursor : match.start()])
        start = len("".join(plain))
        entity = match["entity"] or json.loads(match["dict"])["entity"]
        plain.append(match["text"])
        spans.append((start, start + len(match["text"]), entity))
        cursor = match.end()
    plain.append(annotated[cursor:])
    return "".join(plain), spans


def _load(files: list[Path]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Examples per intent and regex patterns per name, read with a plain YAML parser."""
    examples: dict[str, list[str]] = defaultdict(list)
    regexes: dict[str, list[str]] = defaultdict(list)
    for path in files:
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            lines = [line[2:] for line in block["examples"].splitlines() if line.startswith("- ")]
            if "intent" in block:
                examples[block["intent"]].extend(lines)
            elif "regex" in block:
                regexes[block["regex"]].extend(lines)
    return examples, regexes


def _all_nlu_files() -> list[Path]:
    return sorted(NLU_DIR.rglob("*.yml"))


def _csv_rows() -> list[dict[str, str]]:
    with DEFAULT_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


needs_csv = pytest.mark.skipif(not DEFAULT_CSV.is_file(), reason="Bitext CSV not available")


@needs_csv
def test_same_csv_gives_byte_identical_files_and_the_committed_files_are_current(tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path / "a"), "--quiet"]) == 0
    assert main(["--out", str(tmp_path / "b"), "--quiet"]) == 0
    first = {p.name: p.read_bytes() for p in sorted((tmp_path / "a").glob("*.yml"))}
    second = {p.name: p.read_bytes() for p in sorted((tmp_path / "b").glob("*.yml"))}
    committed = {p.name: p.read_bytes() for p in sorted(BITEXT_DIR.glob("*.yml"))}
    assert len(first) == 11
    assert first == second
    assert first == committed, "data/nlu/bitext is stale: run scripts/build_nlu_data.py"


def test_script_runs_from_the_command_line_and_prints_a_summary(tmp_path: Path) -> None:
    source = tmp_path / "tiny.csv"
    source.write_text(
        "instruction,intent,category,entity_type,entity_value,start_offset,end_offset\n"
        "where is order 00123842,track_order,ORDER,order_id,123842,15,23\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "python"), "scripts/build_nlu_data.py", "--csv", str(source),
         "--out", str(tmp_path / "out")],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert "track_order" in result.stdout
    assert "'order_number': 1" in result.stdout
    assert "where is order [00123842](order_number)" in (tmp_path / "out" / "order.yml").read_text()


@needs_csv
def test_every_bitext_intent_keeps_every_distinct_csv_phrasing() -> None:
    distinct: dict[str, set[str]] = defaultdict(set)
    for row in _csv_rows():
        # Rows that differ only in spacing are one phrasing.
        distinct[row["intent"]].add(" ".join(row["instruction"].split()))
    examples, _ = _load(sorted(BITEXT_DIR.glob("*.yml")))

    assert set(distinct) == BITEXT_INTENTS
    for intent in BITEXT_INTENTS:
        plain = {_parse(line)[0] for line in examples[intent]}
        assert plain >= distinct[intent], intent
        assert len(examples[intent]) >= len(distinct[intent])


def test_every_annotation_is_exactly_what_its_regex_extracts() -> None:
    examples, regexes = _load(_all_nlu_files())
    compiled = {name: [re.compile(p, re.IGNORECASE) for p in patterns] for name, patterns in regexes.items()}
    problems = []
    for intent, lines in examples.items():
        for line in lines:
            text, spans = _parse(line)
            for start, end, entity in spans:
                span = text[start:end]
                if span != span.strip() or not span:
                    problems.append((intent, line, "span has edge whitespace"))
                found = {(m.start(), m.end()) for p in compiled.get(entity, []) for m in p.finditer(text)}
                if (start, end) not in found:
                    problems.append((intent, line, f"{entity} regex does not extract {span!r}"))
            for entity in EXHAUSTIVE_ENTITIES:
                found = {(m.start(), m.end()) for p in compiled[entity] for m in p.finditer(text)}
                annotated = {(s, e) for s, e, name in spans if name == entity}
                if found != annotated:
                    problems.append((intent, line, f"{entity} in the text is not annotated"))
    assert problems == []


def test_every_intent_is_declared_in_the_domain_or_in_the_agreed_list() -> None:
    examples, _ = _load(_all_nlu_files())
    declared: set[str] = set()
    for path in [PROJECT_ROOT / "domain.yml"]:
        declared.update(
            next(iter(i)) if isinstance(i, dict) else i
            for i in yaml.safe_load(path.read_text())["intents"] or []
        )
    assert set(examples) - declared - BITEXT_INTENTS - SHOP_INTENTS == set()


def test_shop_intents_have_enough_examples_and_none_is_shared_between_intents() -> None:
    examples, _ = _load(_all_nlu_files())
    for intent in SHOP_INTENTS - {"out_of_scope"}:
        assert len(examples[intent]) >= 40, intent
    owners: dict[str, set[str]] = defaultdict(set)
    for intent, lines in examples.items():
        for line in lines:
            owners[_parse(line)[0].casefold()].add(intent)
    assert {text: intents for text, intents in owners.items() if len(intents) > 1} == {}


def test_special_characters_and_placeholders_survive_conversion(tmp_path: Path) -> None:
    source = tmp_path / "odd.csv"
    rows = [
        # Value truncated by the CSV, span trailing ", ": the exact, trimmed span is annotated.
        ("cancel order 370795561790, now", "cancel_order", "ORDER", "order_id", "3707955617", "13", "27"),
        # YAML-special characters and Rasa markup characters in plain text.
        ('#1 question: "where" is [my] {stuff}?', "track_order", "ORDER", "", "", "", ""),
        ("- refund\tnow:  please", "get_refund", "REFUND", "", "", "", ""),
        (
            "see invoice {{Invoice Number}} for order {{Order Number}}",
            "check_invoice",
            "INVOICE",
            "",
            "",
            "",
            "",
        ),
        ("mail {{Unknown Thing}}", "get_invoice", "INVOICE", "", "", "", ""),
        ("open a Gold account", "create_account", "ACCOUNT", "account_type", "Gold", "7", "11"),
    ]
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["instruction", "intent", "category", "entity_type", "entity_value", "start_offset",
                         "end_offset"])  # fmt: skip
        writer.writerows(rows)
    assert main(["--csv", str(source), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert main(["--csv", str(source), "--out", str(tmp_path / "again"), "--quiet"]) == 0

    examples, _ = _load(sorted((tmp_path / "out").glob("*.yml")))
    assert examples["cancel_order"] == ["cancel order [370795561790](order_number), now"]
    assert examples["track_order"] == ['#1 question: "where" is (my) (stuff)?']
    assert examples["get_refund"] == ["- refund now: please"]
    assert examples["create_account"] == ["open a Gold account"]
    assert "get_invoice" not in examples
    [filled] = examples["check_invoice"]
    assert re.fullmatch(
        r"see invoice \[INV-\d{7}\]\(invoice_number\) for order \[\d{7}\]\(order_number\)", filled
    )
    assert (tmp_path / "out" / "invoice.yml").read_bytes() == (
        tmp_path / "again" / "invoice.yml"
    ).read_bytes()


_RASA_CHECK = """
import json, sys
from rasa.shared.nlu.training_data.loading import load_data
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
data = load_data(sys.argv[1])
tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
misaligned = []
for message in data.nlu_examples:
    tokens = tokenizer.tokenize(message, "text")
    starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
    misaligned += [message.get("text") for e in message.get("entities") or []
                   if e["start"] not in starts or e["end"] not in ends]
print(json.dumps({"counts": data.number_of_examples_per_intent, "misaligned": misaligned}))
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="Rasa environment not built")
def test_rasa_reads_every_example_and_entities_align_with_its_tokens() -> None:
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", _RASA_CHECK, str(NLU_DIR)],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    report = json.loads(result.stdout.strip().splitlines()[-1])
    examples, _ = _load(_all_nlu_files())
    # Other files may add examples (out-of-scope data): ours must all be there, as we count them.
    for intent, lines in examples.items():
        assert report["counts"][intent] >= len(set(lines)), intent
    assert report["misaligned"] == []
    assert Counter(report["counts"]).total() >= sum(len(set(v)) for v in examples.values())
