"""PROTOCOL §2, discovery: models are listed by id in pages bounded by MAX_PAGE, active ones
only when asked, with the total number of ids to page over."""

from __future__ import annotations

from tests.unit.model_registry.conftest import CONTENT_ID, TAGS


def _names(page) -> list[str]:
    # Ape returns the structs of a multi-value return as tuples: the name is the sixth field.
    return [m[5] for m in page]


def test_models__pages_by_id__concatenate_to_every_model(model_registry, model_owner):
    names = [f"model-{i}" for i in range(5)]
    for name in names:
        model_registry.registerModel(name, CONTENT_ID, TAGS, 0, sender=model_owner)

    pages = [model_registry.models(offset, 2, False) for offset in (0, 2, 4, 6)]

    assert [n for page, _ in pages for n in _names(page)] == names
    assert {total for _, total in pages} == {5}
    assert [int(m[0]) for m in pages[1][0]] == [3, 4]  # ids
    assert _names(model_registry.models(0, 2**256 - 1, False)[0]) == names
    assert _names(model_registry.models(2**256 - 1, 2**256 - 1, False)[0]) == []


def test_models__active_only__leaves_out_deregistered_models(model_registry, model_owner):
    for name in ("model-a", "model-b", "model-c"):
        model_registry.registerModel(name, CONTENT_ID, TAGS, 0, sender=model_owner)
    model_registry.deregisterModel(2, sender=model_owner)

    page, total = model_registry.models(0, 10, True)

    assert (_names(page), total) == (["model-a", "model-c"], 3)
    assert _names(model_registry.models(0, 10, False)[0]) == ["model-a", "model-b", "model-c"]


def test_models__a_page_larger_than_the_maximum__is_cut_to_it(model_registry, model_owner):
    assert model_registry.MAX_PAGE() == 100
    for i in range(101):
        model_registry.registerModel(f"model-{i}", CONTENT_ID, [], 0, sender=model_owner)
    page, total = model_registry.models(0, 2**256 - 1, False)
    assert (len(page), total) == (100, 101)
    assert _names(model_registry.models(100, 100, False)[0]) == ["model-100"]
