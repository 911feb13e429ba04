"""`YearParams.params_sha256_for` dumps network.yml's part once: the digest must be that of the whole dump."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_lib.inputs.parameters import YearParams

DEMO_PARAMS = Path(__file__).parents[3] / "params"


def whole_dump_digest(network: str, community: str) -> str:
    """The digest as it was defined: one YAML dump of both texts."""
    payload = {"network": network, "community": community}
    return hashlib.sha256(yaml.safe_dump(payload, sort_keys=True).encode()).hexdigest()


def params_with(network: str, communities: dict[str, str]) -> YearParams:
    files = {"network.yml": network, **{f"{cid}.yml": text for cid, text in communities.items()}}
    return YearParams(framework="toa-2019", data=None, title="t", run_date=None, rules={}, local_indicators=[],
                      files=files)


def test_digest_of_the_repository_params_files_is_the_whole_dump() -> None:
    for year in sorted(p for p in DEMO_PARAMS.iterdir() if (p / "network.yml").exists()):
        texts = {p.stem: p.read_text() for p in year.glob("*.yml") if p.name != "network.yml"}
        network = (year / "network.yml").read_text()
        params = params_with(network, texts)
        for cid in [*texts, "no-file-of-its-own"]:
            assert params.params_sha256_for(cid) == whole_dump_digest(network, texts.get(cid, ""))


TEXTS = st.one_of(st.text(max_size=300), st.sampled_from(["", "a: 1\n", "a: 1\n\n\n", "x", " lead", "trail \n",
                                                          "...\n", "a\n...\n", "---\n", "- 1\n- 2", "é: ü\n" * 30,
                                                          "\t\n", "a" * 200, "long line " * 40 + "\n"]))


@settings(max_examples=300, deadline=None)
@given(network=TEXTS, community=TEXTS, other=TEXTS)
def test_digest_is_the_whole_dump_for_any_texts(network: str, community: str, other: str) -> None:
    params = params_with(network, {"c": community, "d": other})
    assert params.params_sha256_for("c") == whole_dump_digest(network, community)
    assert params.params_sha256_for("d") == whole_dump_digest(network, other)
    assert params.params_sha256_for("none") == whole_dump_digest(network, "")
    assert params.params_sha256_for("c") == whole_dump_digest(network, community)  # from the memo
