"""API behaviour: inputs of every kind, output shapes and types, bad input, errors."""

from __future__ import annotations

import crowdqc
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from crowdqc.aggregation import (
    GLAD,
    KOS,
    MACE,
    MMSR,
    DawidSkene,
    GoldMajorityVote,
    MajorityVote,
    OneCoinDawidSkene,
    Wawa,
    ZeroBasedSkill,
)

DF = pd.DataFrame(
    {
        "task": ["t1", "t1", "t1", "t2", "t2", "t2", "t3", "t3", "t3"],
        "worker": ["a", "b", "c", "a", "b", "c", "a", "b", "c"],
        "label": ["cat", "cat", "dog", "dog", "dog", "dog", "cat", "dog", "cat"],
    }
)


def test_majority_vote_values_and_shapes() -> None:
    mv = MajorityVote().fit(DF)
    assert mv.labels_.name == "agg_label"
    assert mv.labels_.index.name == "task"
    assert mv.labels_.to_dict() == {"t1": "cat", "t2": "dog", "t3": "cat"}
    assert list(mv.probas_.columns) == ["cat", "dog"]
    assert mv.probas_.loc["t1", "cat"] == pytest.approx(2 / 3, abs=1e-15)
    # skills: agreement with the majority: a 3/3, b 2/3, c 2/3
    assert mv.skills_.name == "skill"
    assert mv.skills_.to_dict() == pytest.approx({"a": 1.0, "b": 2 / 3, "c": 2 / 3})


def test_integer_ids_come_back_as_integers() -> None:
    df = pd.DataFrame({"task": [10, 10, 20, 20], "worker": [1, 2, 1, 2], "label": [5, 5, 7, 7]})
    labels = DawidSkene().fit_predict(df)
    assert labels.index.dtype == np.int64
    assert labels.dtype == np.int64
    assert labels.to_dict() == {10: 5, 20: 7}


def test_pandas_arrow_polars_numpy_give_identical_results() -> None:
    pl = pytest.importorskip("polars")
    ref = DawidSkene().fit(DF)
    for data in (pa.Table.from_pandas(DF), pl.from_pandas(DF), DF.to_numpy()):
        got = DawidSkene().fit(data)
        pd.testing.assert_frame_equal(
            got.probas_, ref.probas_, check_exact=True, check_index_type=False
        )
        assert got.loss_history_ == ref.loss_history_


def test_crowdqc_column_names_accepted() -> None:
    df = DF.rename(columns={"task": "item", "worker": "annotator"})
    assert MajorityVote().fit_predict(df).to_dict() == {"t1": "cat", "t2": "dog", "t3": "cat"}


def test_missing_column_lists_found_and_tried() -> None:
    df = DF.rename(columns={"worker": "who"})
    with pytest.raises(
        ValueError,
        match=r"missing column `worker`.*tried worker, performer, annotator.*"
        r"found columns \[task, who, label\]",
    ):
        DawidSkene().fit(df)
    with pytest.raises(crowdqc.MissingColumnError):
        DawidSkene().fit(pa.Table.from_pandas(df))


def test_null_label_names_column_and_row() -> None:
    # rows are numbered from 1 in messages (pandas position 4 is row 5)
    df = DF.copy()
    df.loc[4, "label"] = None
    with pytest.raises(crowdqc.InvalidValueError, match=r"row 5, column `label`: null value"):
        DawidSkene().fit(df)


def test_null_task_names_column_and_row() -> None:
    df = DF.copy()
    df.loc[2, "task"] = np.nan
    with pytest.raises(crowdqc.Error, match=r"row 3, column `task`"):
        MajorityVote().fit(df)


def test_mixed_type_labels_rejected() -> None:
    df = DF.copy().astype({"label": object})
    df.loc[0, "label"] = 3
    with pytest.raises(crowdqc.SchemaError, match="column `label` mixes value types"):
        DawidSkene().fit(df)


def test_empty_frame_rejected() -> None:
    with pytest.raises(crowdqc.InsufficientDataError, match="no rows"):
        DawidSkene().fit(DF.iloc[:0])


def test_unfitted_attribute_raises_not_fitted() -> None:
    ds = DawidSkene()
    with pytest.raises(crowdqc.NotFittedError, match="not fitted yet"):
        _ = ds.labels_
    assert not hasattr(ds, "probas_")
    assert issubclass(crowdqc.NotFittedError, AttributeError)


def test_errors_are_value_errors() -> None:
    for cls in (
        crowdqc.MissingColumnError,
        crowdqc.InvalidValueError,
        crowdqc.SchemaError,
        crowdqc.InsufficientDataError,
        crowdqc.InvalidParameterError,
    ):
        assert issubclass(cls, crowdqc.Error)
        assert issubclass(cls, ValueError)


def test_bad_parameter_names_parameter() -> None:
    with pytest.raises(crowdqc.InvalidParameterError, match="tol"):
        DawidSkene(tol=-1.0).fit(DF)
    with pytest.raises(crowdqc.InvalidParameterError, match="n_iter"):
        DawidSkene(n_iter="many").fit(DF)  # type: ignore[arg-type]


def test_constructor_defaults_and_repr_match_crowdkit() -> None:
    assert repr(DawidSkene()) == "DawidSkene(n_iter=100, tol=1e-05, initial_error_strategy=None)"
    assert MACE().get_params() == {
        "n_restarts": 10,
        "n_iter": 50,
        "method": "vb",
        "smoothing": 0.1,
        "default_noise": 0.5,
        "alpha": 0.5,
        "beta": 0.5,
        "random_state": 0,
        "verbose": 0,
    }
    assert OneCoinDawidSkene(7).n_iter == 7


def test_dawid_skene_attributes() -> None:
    ds = DawidSkene().fit(DF)
    assert ds.priors_.name == "prior"
    assert ds.priors_.sum() == pytest.approx(1.0)
    assert ds.errors_.index.names == ["worker", "label"]
    assert list(ds.errors_.columns) == ["cat", "dog"]
    # each (worker, true label) column sums to 1 over the worker's observed labels
    sums = ds.errors_.groupby(level="worker").sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-9)
    assert len(ds.loss_history_) >= 1
    np.testing.assert_allclose(ds.probas_.sum(axis=1), 1.0, atol=1e-9)


def test_every_method_fits() -> None:
    gold = pd.Series({"t1": "cat"})
    for model in (Wawa(), ZeroBasedSkill(), GLAD(), MACE(), KOS(), MMSR(), OneCoinDawidSkene()):
        labels = model.fit_predict(DF)
        assert set(labels.index) == {"t1", "t2", "t3"}, type(model).__name__
    assert GoldMajorityVote().fit_predict(DF, gold).loc["t2"] == "dog"
    mace = MACE().fit(DF)
    assert mace.spamming_.shape == (3, 2)
    assert mace.thetas_.shape == (3, 2)
    glad = GLAD().fit(DF)
    assert glad.alphas_.name == "alpha" and glad.betas_.name == "beta"


def test_wawa_predict_on_new_data_uses_fitted_skills() -> None:
    w = Wawa().fit(DF)
    new = pd.DataFrame({"task": ["x", "x"], "worker": ["a", "c"], "label": ["dog", "cat"]})
    shares = w.predict_proba(new)
    s = w.skills_
    assert shares.loc["x", "dog"] == pytest.approx(s["a"] / (s["a"] + s["c"]))
    unknown = pd.DataFrame({"task": ["x"], "worker": ["zz"], "label": ["dog"]})
    with pytest.raises(ValueError, match="no skill"):
        w.predict(unknown)


def test_read_judgments_formats(tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "j.csv"
    DF.to_csv(p, index=False)
    back = crowdqc.read_judgments(p)
    assert list(back.columns) == ["task", "worker", "label"]
    assert len(back) == 9
    t = crowdqc.read_judgments(p, output="arrow")
    assert isinstance(t, pa.Table) and t.num_rows == 9
    with pytest.raises(OSError):
        crowdqc.read_judgments(tmp_path / "absent.parquet")


def test_fitted_model_pickles_with_all_attributes() -> None:
    import pickle

    ds = DawidSkene().fit(DF)
    back = pickle.loads(pickle.dumps(ds))
    pd.testing.assert_frame_equal(back.probas_, ds.probas_)
    pd.testing.assert_frame_equal(back.errors_, ds.errors_)
    assert back.loss_history_ == ds.loss_history_
    assert repr(back) == repr(ds)


def test_refit_replaces_every_attribute() -> None:
    ds = DawidSkene().fit(DF)
    first = ds.probas_
    other = DF.assign(task=DF.task + "x")
    ds.fit(other)
    assert list(ds.probas_.index) == [t + "x" for t in first.index]
    assert list(ds.errors_.columns) == ["cat", "dog"]


def test_majority_vote_over_very_many_classes_has_sparse_probas() -> None:
    # 70,000 items x 2,000 classes = 1.4e8 cells, above the dense vote-share table's
    # 2**27: the shares are kept sparsely, and probas_ has pandas sparse columns holding
    # exactly pandas' own vote shares
    n, k = 70_000, 2_000
    items = np.repeat(np.arange(n), 3)
    workers = np.tile(np.array(["a", "b", "c"]), n)
    first = (np.arange(n) * 7) % k
    labels = np.stack([first, first, (first + (np.arange(n) % 3 == 0)) % k], axis=1).ravel()
    df = pd.DataFrame({"task": items, "worker": workers, "label": labels})
    mv = MajorityVote().fit(df)
    probas = mv.probas_
    assert probas.shape == (n, k)
    assert all(isinstance(t, pd.SparseDtype) for t in probas.dtypes.iloc[:3])
    expected = df.groupby("task")["label"].value_counts(normalize=True)
    coo = probas.sparse.to_coo()
    actual = pd.Series(
        coo.data, index=pd.MultiIndex.from_arrays([probas.index[coo.row], probas.columns[coo.col]])
    ).sort_index()
    expected.index.names = [None, None]
    pd.testing.assert_series_equal(
        actual, expected.sort_index().rename(None), check_names=False, rtol=0, atol=1e-15
    )
    assert (mv.labels_ == pd.Series(first, index=np.arange(n))).all()
