"""Trace ids the app has seen, so that a short id shown on screen resolves to the whole one."""

from __future__ import annotations

from oncall_tui.domain.known_traces import KnownTraces


def test_prefixes_resolve_newest_first_and_a_whole_id_to_itself() -> None:
    known = KnownTraces(limit=3)
    known.add("AAAA1111", "search results")
    known.add("aaaa2222", "exemplars of X")
    known.add("bbbb3333", "file.json")
    assert known.resolve("aaaa") == [("aaaa2222", "exemplars of X"), ("aaaa1111", "search results")]
    assert known.resolve("AAAA1111") == [("aaaa1111", "search results")]
    assert known.resolve("cccc") == [] and known.resolve(" ") == []
    # The oldest seen is forgotten first; seeing one again makes it the newest.
    known.add("aaaa2222", "opened traces")
    known.add("dddd4444", "search results")
    assert known.where("aaaa1111") is None and known.where("aaaa2222") == "opened traces"
