"""The package imports from the build tree and exposes the registries."""
import widthlab


def test_version_is_the_projects():
    parts = widthlab.__version__.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)


def test_activation_registry_has_closed_form_and_quadrature_entries():
    names = [a["name"] for a in widthlab.activations()]
    for expected in ("relu", "leaky_relu", "erf", "tanh"):
        assert expected in names
    assert len(names) == len(set(names))
