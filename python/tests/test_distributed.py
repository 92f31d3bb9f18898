"""crowdqc.distributed on a local Ray cluster (started once for the module).

What is checked, and against what:

- the partitioning hash against an independent Python implementation of FNV-1a 64 and
  SplitMix64's finaliser, itself checked on their published test vectors;
- Dawid–Skene and one-coin fits: the SHA-256 digest of parameters and posteriors is
  the same for 1, 3 and 8 shards and for the single-machine fit with the same
  fixed-point accumulation, on generated data and two real datasets
  (``$CROWDQC_DATA``); on the real datasets the labels equal crowd-kit 1.4.2's
  Dawid–Skene labels wherever crowd-kit's posterior is not a near-tie (the parity
  tests hold the posteriors within 1e-6);
- majority vote: labels, vote shares and worker skills equal the single-machine
  :class:`crowdqc.aggregation.MajorityVote` (exact);
- bad input: a shard whose file is broken, an actor that dies during a fit, and data
  not partitioned by item are refused with the shard's (or the item's) name, and the
  estimator stays unfitted.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import cached, crowdkit, dataset

ray = pytest.importorskip("ray")

import crowdqc.aggregation as cq  # noqa: E402
import crowdqc.gold as gold_api  # noqa: E402
from crowdqc import (  # noqa: E402
    InvalidParameterError,
    InvalidValueError,
    NotFittedError,
    ParseError,
    _frames,
    _native,
)
from crowdqc import distributed as cd  # noqa: E402

MASK = (1 << 64) - 1
SHARD_COUNTS = (1, 3, 8)
REAL = ("zhou2012-dogs", "snow2008-rte")


@pytest.fixture(scope="module")
def cluster() -> Any:
    # a local cluster only: no usage-stats report to the network
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


# ---------------------------------------------------------------- the hash


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & MASK
    return h


def splitmix64_mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def test_reference_hash_matches_published_vectors() -> None:
    # FNV-1a 64 test vectors (Fowler/Noll/Vo reference test suite)
    assert fnv1a64(b"") == 0xCBF29CE484222325
    assert fnv1a64(b"a") == 0xAF63DC4C8601EC8C
    assert fnv1a64(b"foobar") == 0x85944171F73967E8
    # SplitMix64 seeded with 0: its first output is mix(0x9E3779B97F4A7C15)
    assert splitmix64_mix(0x9E3779B97F4A7C15) == 0xE220A8397B1DCDAF


def test_shard_of_is_the_documented_stable_hash() -> None:
    ids = ["t1", "t2", "", "ünïcode", "a" * 100, "42", "-7"]
    for n in (1, 3, 8, 1000):
        got = _native.shard_of(pa.table({"item": ids}), "item", n).to_pylist()
        assert got == [splitmix64_mix(fnv1a64(s.encode())) % n for s in ids]
    # an integer id goes where its decimal text goes, whatever the integer type
    for typ in (pa.int64(), pa.int32(), pa.uint64()):
        ints = pa.table({"item": pa.array([42, 7, 0], type=typ)})
        assert _native.shard_of(ints, "item", 8).to_pylist() == [
            splitmix64_mix(fnv1a64(str(v).encode())) % 8 for v in (42, 7, 0)
        ]


def test_shard_of_refuses_nulls_and_zero_shards() -> None:
    with pytest.raises(InvalidValueError, match="null item"):
        _native.shard_of(pa.table({"item": ["a", None]}), "item", 2)
    with pytest.raises(InvalidParameterError, match="n_shards"):
        _native.shard_of(pa.table({"item": ["a"]}), "item", 0)


# ---------------------------------------------------------------- partitioning


def test_partition_streams_parquet_and_puts_each_item_in_its_hash_shard(tmp_path: Path) -> None:
    df = generated(300, 12)
    src = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), src, row_group_size=100)
    # streamed from the file in batches of 70 rows vs cut from the whole frame
    streamed = cd.partition_by_item(src, tmp_path / "a", 3, row_group_size=70)
    whole = cd.partition_by_item(df, tmp_path / "b", 3)
    assert streamed.rows == whole.rows and sum(streamed.rows) == len(df)
    for s, (fa, fb) in enumerate(zip(streamed.files, whole.files)):
        a = pq.read_table(fa).to_pandas()
        b = pq.read_table(fb).to_pandas()
        key = ["item", "worker", "label"]
        pd.testing.assert_frame_equal(
            a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True)
        )
        assert all(splitmix64_mix(fnv1a64(i.encode())) % 3 == s for i in a["item"])
    assert cd.Partition.open(tmp_path / "a") == streamed


# ---------------------------------------------------------------- data


def generated_with_gold(
    n_items: int = 1200, n_workers: int = 40, k: int = 3, seed: int = 7
) -> tuple[pd.DataFrame, pd.Series]:
    """Judgments drawn from a Dawid–Skene model (string ids, 5 workers per item) and the
    true labels of every fourth item."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_items)
    acc = rng.uniform(0.45, 0.95, n_workers)
    rows = []
    for t in range(n_items):
        for w in rng.choice(n_workers, 5, replace=False):
            lab = truth[t] if rng.random() < acc[w] else rng.integers(0, k)
            rows.append((f"item{t}", f"w{w}", f"c{lab}"))
    df = pd.DataFrame(rows, columns=["task", "worker", "label"])
    gold = pd.Series(
        [f"c{c}" for c in truth[::4]], index=[f"item{t}" for t in range(0, n_items, 4)]
    )
    return df, gold.rename_axis("task")


def generated(n_items: int = 1200, n_workers: int = 40, k: int = 3) -> pd.DataFrame:
    """The judgments of :func:`generated_with_gold`."""
    return generated_with_gold(n_items, n_workers, k)[0]


@pytest.fixture(scope="module", params=("generated", *REAL))
def data(request: pytest.FixtureRequest) -> tuple[str, pd.DataFrame, Any]:
    if request.param == "generated":
        return ("generated", *generated_with_gold())
    df, gold = dataset(request.param)
    if gold is not None:
        gold = gold[gold.index.isin(df.task)]
    return request.param, df, gold


def single_machine(df: pd.DataFrame, method: str) -> tuple[str, pd.DataFrame]:
    """Single-machine crowdqc with the fixed-point accumulation: the digest of its
    parameters and posteriors with workers and items in sorted id order (the order of
    the global dictionaries), and its posteriors."""
    d = _frames.build(df)
    model = _native.fit(d.matrix, method, {"exact_sums": True})
    k = d.matrix.n_classes
    items = np.asarray(d.matrix.items().to_pylist(), dtype=object)
    workers = np.asarray(d.matrix.workers().to_pylist(), dtype=object)
    io = np.argsort(items.astype(str), kind="stable")
    wo = np.argsort(workers.astype(str), kind="stable")
    arrays = model.arrays()
    priors = np.asarray(arrays["priors"].to_numpy())
    conf = np.asarray(arrays["confusion"].to_numpy()).reshape(-1, k, k)[wo]
    probas = np.asarray(model.posteriors().to_numpy()).reshape(-1, k)[io]
    params = _native.ds_params_bytes(len(workers), k, priors.tolist(), conf.ravel().tolist())
    h = hashlib.sha256(params)
    h.update(np.ascontiguousarray(probas).tobytes())
    frame = pd.DataFrame(probas, index=pd.Index(items[io], name="task"))
    return h.hexdigest(), frame


# ---------------------------------------------------------------- fits


@pytest.fixture(scope="module")
def pools(cluster: Any) -> Any:
    """Shards of 1, 3 and 8 actors, started once and reloaded with each dataset."""
    pools: dict[int, cd.RayShards] = {}
    yield pools
    for p in pools.values():
        p.close()


def loaded(pools: dict[int, cd.RayShards], part: cd.Partition) -> cd.RayShards:
    if part.n_shards in pools:
        pools[part.n_shards].reload(part)
    else:
        pools[part.n_shards] = cd.RayShards(part)
    return pools[part.n_shards]


def fits(df: pd.DataFrame, gold: Any, tmp: Path, pools: Any) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for n in SHARD_COUNTS:
        part = cd.partition_by_item(df, tmp / f"n{n}", n, gold=gold)
        shards = loaded(pools, part)
        assert shards.n_judgments == len(df)
        out[n] = {
            "ds": cd.DawidSkene().fit(shards),
            "ocds": cd.OneCoinDawidSkene().fit(shards),
            "mv": cd.MajorityVote().fit(shards),
            "agreement": cd.agreement(shards),
            "gold": None if gold is None else cd.gold_score(shards),
        }
    return out


@pytest.fixture(scope="module")
def fitted(
    pools: Any, data: tuple[str, pd.DataFrame, Any], tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, pd.DataFrame, Any, dict[int, dict[str, Any]]]:
    name, df, gold = data
    return name, df, gold, fits(df, gold, tmp_path_factory.mktemp(name), pools)


@pytest.mark.parametrize("method,key", [("ds", "ds"), ("one-coin-ds", "ocds")])
def test_digest_same_for_1_3_8_shards_and_single_machine(
    fitted: Any, method: str, key: str
) -> None:
    name, df, _, by_n = fitted
    digests = {n: by_n[n][key].digest() for n in SHARD_COUNTS}
    assert len(set(digests.values())) == 1, digests
    ref, ref_probas = single_machine(df, method)
    assert digests[1] == ref
    assert list(by_n[1][key].probas_.index) == list(ref_probas.index)
    assert by_n[1][key].n_iter_ == by_n[8][key].n_iter_


def test_ds_labels_equal_crowdkit(request: pytest.FixtureRequest, fitted: Any) -> None:
    name, df, _, by_n = fitted
    if name == "generated":
        pytest.skip("crowd-kit is compared on the real datasets")
    ck = crowdkit()
    probas = cached(request, f"ds-{name}-False", lambda: _ck_ds(ck, df))[0]
    probas = probas.copy()
    probas.index = probas.index.astype(str)
    probas.columns = [str(c) for c in probas.columns]
    ours = by_n[8]["ds"]
    top2 = np.sort(probas.to_numpy(), axis=1)[:, -2:]
    clear = probas.index[(top2[:, 1] - top2[:, 0]) > 1e-6]
    theirs = probas.loc[clear].idxmax(axis=1)
    mine = ours.labels_.astype(str)
    mine.index = mine.index.astype(str)
    assert len(clear) > 0.9 * len(probas)
    assert (mine.loc[clear].to_numpy() == theirs.to_numpy()).all()


def _ck_ds(ck: Any, df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    m = ck.aggregation.DawidSkene().fit(df, true_labels=None)
    return m.probas_, len(m.loss_history_)


def test_attributes_match_the_single_machine_estimators(fitted: Any) -> None:
    _, df, _, by_n = fitted
    ds, ref = by_n[3]["ds"], cq.DawidSkene().fit(df)
    assert list(ds.errors_.index.names) == ["worker", "label"]
    mine = ds.errors_.sort_index()
    theirs = ref.errors_.sort_index().reindex(index=mine.index, columns=mine.columns)
    assert np.abs(mine.to_numpy() - theirs.to_numpy()).max() < 1e-9
    assert np.abs(ds.priors_ - ref.priors_.reindex(ds.priors_.index)).max() < 1e-9
    assert ds.loss_history_ == pytest.approx(ref.loss_history_, abs=1e-9)
    oc, oref = by_n[3]["ocds"], cq.OneCoinDawidSkene().fit(df)
    assert np.abs(oc.skills_ - oref.skills_.reindex(oc.skills_.index)).max() < 1e-9


def test_majority_vote_equals_single_machine(fitted: Any) -> None:
    _, df, _, by_n = fitted
    ref = cq.MajorityVote().fit(df)
    for n in SHARD_COUNTS:
        mv = by_n[n]["mv"]
        labels = ref.labels_.reindex(mv.labels_.index)
        assert (labels.astype(str) == mv.labels_.astype(str)).all()
        probas = ref.probas_.reindex(index=mv.probas_.index, columns=mv.probas_.columns)
        assert np.array_equal(probas.to_numpy(), mv.probas_.to_numpy())
        skills = ref.skills_.reindex(mv.skills_.index)
        assert np.array_equal(skills.to_numpy(), mv.skills_.to_numpy(), equal_nan=True)


def test_fleiss_kappa_equals_statsmodels(fitted: Any) -> None:
    from statsmodels.stats.inter_rater import aggregate_raters
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    name, df, _, by_n = fitted
    values = {n: by_n[n]["agreement"]["fleiss_kappa"] for n in SHARD_COUNTS}
    assert len(set(values.values())) == 1, values
    per_item = df.groupby("task")["label"].size()
    if per_item.nunique() != 1:
        pytest.skip(f"{name}: statsmodels' Fleiss kappa needs the same number of ratings per item")
    wide = df.assign(r=df.groupby("task").cumcount()).pivot(
        index="task", columns="r", values="label"
    )
    table, _ = aggregate_raters(wide.to_numpy())
    assert values[1] == pytest.approx(sm_fleiss(table, method="fleiss"), abs=1e-12)


def test_krippendorff_alpha_equals_crowdkit(request: pytest.FixtureRequest, fitted: Any) -> None:
    name, df, _, by_n = fitted
    values = {n: by_n[n]["agreement"]["krippendorff_alpha"] for n in SHARD_COUNTS}
    assert len(set(values.values())) == 1, values
    ck = crowdkit()
    theirs = cached(request, f"alpha-{name}", lambda: ck.metrics.data.alpha_krippendorff(df))
    assert values[1] == pytest.approx(theirs, abs=1e-9)


def test_gold_scores_equal_counts_and_statsmodels_wilson(fitted: Any) -> None:
    from statsmodels.stats.proportion import proportion_confint

    name, df, gold, by_n = fitted
    if gold is None:
        pytest.skip(f"{name} has no gold")
    tables = {n: by_n[n]["gold"].workers for n in SHARD_COUNTS}
    for n in SHARD_COUNTS[1:]:
        pd.testing.assert_frame_equal(tables[n], tables[1])
    # independent counts: every judgment on a gold item is one gold answer
    j = df.merge(gold.rename("gold"), left_on="task", right_index=True)
    answered = j.groupby("worker").size()
    correct = (j["label"].astype(str) == j["gold"].astype(str)).groupby(j["worker"]).sum()
    t = tables[1].set_index("worker")
    has = t["gold_answered"] > 0
    assert (t.loc[has, "gold_answered"] == answered.reindex(t.index[has])).all()
    assert (t.loc[has, "gold_correct"] == correct.reindex(t.index[has])).all()
    assert by_n[1]["gold"].gold_items == gold.index.isin(df.task).sum()
    lo, hi = proportion_confint(
        t.loc[has, "gold_correct"], t.loc[has, "gold_answered"], alpha=0.05, method="wilson"
    )
    assert np.allclose(t.loc[has, "gold_accuracy_low"], lo, rtol=0, atol=1e-12)
    assert np.allclose(t.loc[has, "gold_accuracy_high"], hi, rtol=0, atol=1e-12)
    # the single-machine scoring gives the same bits
    ref = gold_api.score(df, gold).workers.set_index("worker").reindex(t.index[has])
    for col in ("gold_answered", "gold_correct", "gold_accuracy_low", "gold_accuracy_high"):
        assert np.array_equal(ref[col].to_numpy(dtype=float), t.loc[has, col].to_numpy(dtype=float))


# ---------------------------------------------------------------- bad input


def test_a_broken_shard_fails_the_load_naming_the_shard(cluster: Any, tmp_path: Path) -> None:
    part = cd.partition_by_item(generated(200, 10), tmp_path, 3)
    part.files[1].write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(Exception) as e:
        cd.RayShards(part)
    text = str(e.value) + "".join(getattr(e.value, "__notes__", []))
    assert "shard 1 of 3" in text and part.files[1].name in text


def test_a_dead_actor_fails_the_fit_with_no_output(cluster: Any, tmp_path: Path) -> None:
    part = cd.partition_by_item(generated(200, 10), tmp_path, 3)
    model = cd.DawidSkene()
    with cd.RayShards(part) as shards:
        model.fit(shards)
        assert model.labels_.size == 200
        ray.kill(shards._actors[2])
        with pytest.raises(cd.ShardError, match="shard 2 of 3") as e:
            model.fit(shards)
        assert e.value.shard == 2
        with pytest.raises(NotFittedError):
            model.labels_  # noqa: B018


def test_data_not_partitioned_by_item_are_refused(cluster: Any, tmp_path: Path) -> None:
    df = generated(300, 12)
    table = pa.Table.from_pandas(df, preserve_index=False)
    # split by worker: most items are in both files
    by_worker = df["worker"].str[1:].astype(int) % 2 == 0
    files = []
    for i, mask in enumerate((by_worker, ~by_worker)):
        f = tmp_path / f"part{i}.parquet"
        pq.write_table(table.filter(pa.array(mask.to_numpy())), f)
        files.append(f)
    with pytest.raises(ParseError, match="not partitioned by item"):
        cd.RayShards(files)


def test_empty_shards_take_part_without_changing_the_fit(pools: Any, tmp_path: Path) -> None:
    df = generated(6, 5, k=2)
    part = cd.partition_by_item(df, tmp_path, 8)
    assert 0 in part.rows  # 6 items over 8 shards
    ref = cq.MajorityVote().fit(df)
    shards = loaded(pools, part)
    mv = cd.MajorityVote().fit(shards)
    ds = cd.DawidSkene().fit(shards)
    assert list(mv.labels_.index) == sorted(df.task.unique())
    assert (mv.labels_ == ref.labels_.reindex(mv.labels_.index)).all()
    assert ds.digest() == single_machine(df, "ds")[0]
