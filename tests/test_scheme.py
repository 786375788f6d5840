from scomm_nlp import scheme


def test_labels_and_relations():
    assert scheme.ENTITY_LABELS == ("GOVERNOR", "OFFICIAL", "AGENCY", "PROGRAM", "JURISDICTION", "GROUP")
    assert scheme.RELATION_TYPES == ("OPPOSES", "SUPPORTS", "COMPELS")
    assert set(scheme.COLORS) == set(scheme.ENTITY_LABELS) | set(scheme.RELATION_TYPES)


def test_signatures():
    assert scheme.relation_allowed("OPPOSES", "GOVERNOR", "PROGRAM")
    assert scheme.relation_allowed("SUPPORTS", "GROUP", "PROGRAM")
    assert scheme.relation_allowed("COMPELS", "AGENCY", "JURISDICTION")
    assert scheme.relation_allowed("COMPELS", "OFFICIAL", "AGENCY")
    assert not scheme.relation_allowed("COMPELS", "OFFICIAL", "PROGRAM")
    assert not scheme.relation_allowed("OPPOSES", "PROGRAM", "PROGRAM")
    assert not scheme.relation_allowed("SUPPORTS", "GOVERNOR", "OFFICIAL")
    assert not scheme.relation_allowed("LIKES", "GOVERNOR", "PROGRAM")
