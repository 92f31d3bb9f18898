"""Writes the binary seed inputs of the fuzz corpora (Parquet, Arrow IPC file and
stream) into seeds/. Needs pyarrow (any recent version; 26.0.1 was used):
    python make_seeds.py
"""
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

t = pa.table({
    "item": ["i1", "i1", "i2", "i2", "i3"],
    "worker": pa.array([1, 2, 1, 3, 2], pa.int64()),
    "label": ["a", "b", "a", "a", "c"],
    "timestamp": pa.array([10, 20, 30, 40, 50], pa.int64()),
    "duration_ms": [1.5, 2.0, 3.0, 4.0, 0.5],
})
pq.write_table(t, "seeds/parquet/small.parquet", compression="zstd")
pq.write_table(t, "seeds/parquet/dict_snappy.parquet", compression="snappy",
               use_dictionary=True, row_group_size=2)
with ipc.new_file("seeds/ipc_file/small.arrow", t.schema) as w:
    w.write_table(t)
with ipc.new_stream("seeds/ipc_stream/small.arrows", t.schema) as w:
    w.write_table(t)
    w.write_table(t.slice(1, 2))
d = pa.table({
    "item": pa.array(["x", "y", "x"]).dictionary_encode(),
    "worker": ["a", "a", "b"],
    "label": pa.array([1, 2, 1], pa.int32()),
})
with ipc.new_stream("seeds/ipc_stream/dict.arrows", d.schema) as w:
    w.write_table(d)
with ipc.new_file("seeds/ipc_file/dict.arrow", d.schema) as w:
    w.write_table(d)
