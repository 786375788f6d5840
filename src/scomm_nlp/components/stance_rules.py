"""Stances stated by the layout of a document rather than by a sentence: sponsor lines of bill trackers.

Legislative summaries and bill trackers list a bill as an entry ("SB 589 -- Sanctuary policies.") and name its
sponsors on a line of their own ("Sponsor: Sen. Eric Burlison, Battlefield." / "Sponsors: Sen. Jamie Eldridge;
Reps. Ruth Balser and Liz Miranda." / "Introduced by Sen. Russ Karpisek of Wilber."). Sponsoring a bill is
SUPPORTS of it (guideline rule 13), but no sentence names both the sponsor and the bill, so the pair scorer never
sees the pair. :func:`sponsor_stances` reads them off the layout:

* a sponsor line is a stance unit that begins with "Sponsor(s):", "Chief sponsor(s):", "Co-sponsor(s):",
  "Sponsored by" or "Introduced by";
* its sponsors are the people (GOVERNOR, OFFICIAL) named on it;
* the bill is the PROGRAM named right after a sponsor on the line ("Rep. Pamela Hornberger (HB 4105)"), else
  the first PROGRAM of the entry: of the line's own paragraph before it, or of the paragraph just before
  (the entry's heading), or the bill's name when it stands beside that number ("SB 529 -- Georgia Security
  and Immigration Compliance Act"); a line cut into units at an abbreviation ("Reps.") is read to its end.
  A long line (more than ``MAX_LINE_TOKENS`` tokens) is prose, not a list entry, and only the first case
  applies to it.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

from scomm_nlp import scheme
from scomm_nlp.components.stance_features import PERSONS, stance_units

#: How the sponsor of an entry is introduced: (first words, lower case, of the line).
SPONSOR_CUES: tuple[tuple[str, ...], ...] = (
    ("sponsor", ":"), ("sponsors", ":"), ("chief", "sponsor", ":"), ("chief", "sponsors", ":"),
    ("co", "-", "sponsor", ":"), ("co", "-", "sponsors", ":"), ("co-sponsor", ":"), ("co-sponsors", ":"),
    ("cosponsors", ":"), ("sponsored", "by"), ("introduced", "by"))
#: A sponsor line longer than this is a sentence of prose: its bill must be on the line itself.
MAX_LINE_TOKENS = 40


def _cue_length(unit: Span) -> int:
    """How many tokens of ``unit`` the sponsor cue takes (0: not a sponsor line)."""
    words = [t.lower_ for t in unit[:4]]
    for cue in SPONSOR_CUES:
        if tuple(words[:len(cue)]) == cue:
            return len(cue)
    return 0


def _paragraph_numbers(text: str, units: list[Span]) -> list[int]:
    """For each unit, the number of its paragraph (a blank line between two units starts a new one); ``text`` is
    the document's text."""
    numbers, current = [], 0
    for k, unit in enumerate(units):
        if k and "\n\n" in text[units[k - 1].end_char:unit.start_char].replace("\r", ""):
            current += 1
        numbers.append(current)
    return numbers


def _named(doc: Doc, bills: list[Span]) -> Span:
    """The entry's bill: its first PROGRAM, or the longest of the names set beside it by punctuation only
    ("SB 529 -- Georgia Security and Immigration Compliance Act", "Safe Communities Act (S 1401 / H 3573)"):
    the bill's name rather than its number."""
    chain = [bills[0]]
    for bill in bills[1:]:
        if not all(t.is_punct or t.is_space for t in doc[chain[-1].end:bill.start]):
            break
        chain.append(bill)
    return max(chain, key=lambda e: (len(e.text), -e.start))


def sponsor_stances(doc: Doc, units: list[Span]) -> list[tuple[Span, Span, Span]]:
    """(sponsor, bill, sponsor line) for every sponsor named on a sponsor line; ``units`` are the document's
    stance units (:func:`~scomm_nlp.components.stance_features.stance_units`)."""
    cue_at = [_cue_length(u) for u in units]
    if not any(cue_at):
        return []
    ents = list(doc.ents)
    text = doc.text  # built once: spaCy joins the tokens on every access
    paragraphs = _paragraph_numbers(text, units)
    out = []
    for k, unit in enumerate(units):
        if not cue_at[k]:
            continue
        start = unit.start + cue_at[k]
        # the line goes on over units cut at an abbreviation ("Reps. Ruth Balser") up to its line break
        end, j = unit.end, k + 1
        while j < len(units) and "\n" not in text[units[j - 1].end_char:units[j].start_char]:
            end, j = units[j].end, j + 1
        on_line = [e for e in ents if e.start >= start and e.end <= end]
        people = [e for e in on_line if e.label_ in PERSONS]
        if not people:
            continue
        heading = None
        if end - unit.start <= MAX_LINE_TOKENS:
            for number in (paragraphs[k], paragraphs[k] - 1):
                before = [u for j, u in enumerate(units[:k]) if paragraphs[j] == number]
                bills = [e for u in before for e in ents if e.label_ == scheme.PROGRAM and e.start >= u.start
                         and e.end <= u.end]
                if bills:
                    heading = _named(doc, bills)
                    break
        own = []
        for n, person in enumerate(people):
            until = people[n + 1].start if n + 1 < len(people) else end
            own.append(next((e for e in on_line if e.label_ == scheme.PROGRAM and person.end <= e.start < until),
                            None))
        line = doc[unit.start:end]
        if any(own):  # each sponsor with a bill of their own: "Rep. Pamela Hornberger (HB 4105); Rep. ..."
            out.extend((person, bill, line) for person, bill in zip(people, own) if bill is not None)
        elif heading is not None:
            out.extend((person, heading, line) for person in people)
    return out


#: The score a stance read off a sponsor line gets (no scorer weighs it).
SPONSOR_SCORE = 0.9
#: Words without which a document has no sponsor line (a quick test before the units are read).
SPONSOR_WORDS = frozenset({"sponsor", "sponsors", "sponsored", "introduced", "co-sponsor", "co-sponsors",
                           "cosponsors"})


def sponsor_records(doc: Doc, records: list[dict]) -> list[dict]:
    """``doc._.stances`` records (SUPPORTS, score :data:`SPONSOR_SCORE`) for the sponsor-line stances of ``doc``
    that ``records`` (the scorer's) do not already give."""
    if not any(t.lower_ in SPONSOR_WORDS for t in doc):
        return []
    units = stance_units(doc)
    have = {(tuple(r["head"]), tuple(r["child"])) for r in records}
    out = []
    for person, bill, unit in sponsor_stances(doc, units):
        key = ((person.start, person.end), (bill.start, bill.end))
        if key in have:
            continue
        have.add(key)
        out.append({"head": [person.start, person.end], "child": [bill.start, bill.end], "type": scheme.SUPPORTS,
                    "score": SPONSOR_SCORE, "resolved": False, "sent": [unit.start, unit.end]})
    return out
