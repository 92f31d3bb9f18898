//! Unit tests of [`super`] (id dictionaries).

use super::*;

#[test]
fn codes_follow_first_appearance_and_kinds_convert() {
    let mut d = IdDictionary::new();
    assert_eq!(d.intern_int(10), 0);
    assert_eq!(d.intern_int(-3), 1);
    assert_eq!(d.intern_int(10), 0);
    assert_eq!(d.kind(), IdKind::Int);
    assert_eq!(d.lookup(IdRef::Str("-3")), Some(1));
    assert_eq!(d.lookup(IdRef::Str("010")), None);
    assert_eq!(d.intern_str("a"), 2);
    assert_eq!(d.kind(), IdKind::Str);
    assert_eq!(d.get(0), IdRef::Str("10"));
    assert_eq!(d.get(1), IdRef::Str("-3"));
    assert_eq!(d.intern_int(-3), 1);
    assert_eq!(d.intern_int(i64::MIN), 3);
    assert_eq!(d.get(3).to_string(), i64::MIN.to_string());
    assert_eq!(d.lookup(IdRef::Int(10)), Some(0));
    assert_eq!(d.len(), 4);
    let all: Vec<String> = d.iter().map(|x| x.to_string()).collect();
    assert_eq!(all, ["10", "-3", "a", &i64::MIN.to_string()]);
}

#[test]
fn many_strings_round_trip() {
    let mut d = IdDictionary::new();
    for i in 0..10_000u32 {
        assert_eq!(d.intern_str(&format!("w{i}")), i);
    }
    for i in (0..10_000u32).rev() {
        assert_eq!(d.intern_str(&format!("w{i}")), i);
        assert_eq!(d.get(i), IdRef::Str(&format!("w{i}")));
    }
}

#[test]
fn tables_grow_with_and_without_the_stored_hashes() {
    // out of order from the start (a table, grown many times from stored hashes),
    // then the hashes are dropped and the table keeps growing from the strings
    let id = |i: u32| format!("i{:07}", (i * 7919) % 100_003);
    let mut d = IdDictionary::with_stored_hashes();
    for i in 0..40_000u32 {
        assert_eq!(d.intern_str(&id(i)), i);
    }
    assert!(!d.is_sorted());
    let with_hashes = d.heap_bytes();
    d.drop_hashes();
    assert!(d.heap_bytes() <= with_hashes - 4 * 40_000);
    for i in 40_000..90_000u32 {
        assert_eq!(d.intern_str(&id(i)), i);
    }
    for i in (0..90_000u32).rev() {
        assert_eq!(d.intern_str(&id(i)), i);
        assert_eq!(d.lookup(IdRef::Str(&id(i))), Some(i));
    }
    assert_eq!(d.lookup(IdRef::Str("i9999999")), None);
    assert_eq!(d.len(), 90_000);
    // a plain dictionary keeps no hashes (4 bytes per id less) and gives the same codes
    let mut plain = IdDictionary::new();
    let mut stored = IdDictionary::with_stored_hashes();
    for i in 0..90_000u32 {
        assert_eq!(plain.intern_str(&id(i)), i);
        assert_eq!(stored.intern_str(&id(i)), i);
    }
    assert!(stored.heap_bytes() >= plain.heap_bytes() + 4 * 90_000);
}

#[test]
fn id_columns_keep_the_input_type() {
    use arrow_array::Array;
    let ints = [Id::Int(7), Id::Int(-2)];
    let c = Id::column(ints.iter());
    let c = c
        .as_any()
        .downcast_ref::<Int64Array>()
        .expect("all ints: Int64");
    assert_eq!(c.values().to_vec(), vec![7, -2]);
    let mixed = [Id::Int(7), Id::Str("w1".into())];
    let c = Id::column(mixed.iter());
    let c = c
        .as_any()
        .downcast_ref::<StringArray>()
        .expect("mixed: Utf8");
    assert_eq!((c.value(0), c.value(1)), ("7", "w1"));
}

/// Ids `p{k}` for `k` drawn from `0..range` by a fixed LCG (repeats and new ids mixed).
fn drawn_ids(seed: u64, n: usize, range: u64) -> Vec<String> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            format!("p{}", (x >> 33) % range)
        })
        .collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
    /// Batches interned in bucket order (`intern_strs`, `intern_from`) give the codes,
    /// ids and lookups of interning one by one: batches above `BATCH_MIN` with repeats
    /// inside the batch and ids already held, into dictionaries with and without stored
    /// hashes, that grow while the batch is added.
    #[test]
    fn batches_intern_as_one_by_one(
        seed in 0u64..1_000_000,
        before in 0usize..3000,
        sizes in proptest::collection::vec(0usize..20_000, 1..4),
        range in 1000u64..40_000,
        store in proptest::prelude::any::<bool>(),
    ) {
        let make = || if store { IdDictionary::with_stored_hashes() } else { IdDictionary::new() };
        let (mut one, mut many) = (make(), make());
        // unsorted ids first, so the table is built
        for s in drawn_ids(seed ^ 7, before, range).iter().chain(["b", "a"].map(String::from).iter()) {
            proptest::prop_assert_eq!(one.intern_str(s), many.intern_str(s));
        }
        for (k, &n) in sizes.iter().enumerate() {
            let ids = drawn_ids(seed + k as u64, n, range);
            let want: Vec<u32> = ids.iter().map(|s| one.intern_str(s)).collect();
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let mut got = Vec::new();
            if k % 2 == 0 {
                many.intern_strs(&refs, &mut got);
            } else {
                // through a dictionary of the batch's distinct ids, as a part's merge does
                let mut src = IdDictionary::new();
                src.intern_str("zz-not-new");
                let firsts: Vec<u32> = refs.iter().map(|s| src.intern_str(s)).collect();
                let mut codes = Vec::new();
                many.intern_from(&src, 1, &mut codes);
                got = firsts.iter().map(|&c| codes[c as usize - 1]).collect();
                one.intern_str("zz-not-new");
                many.intern_str("zz-not-new");
            }
            proptest::prop_assert_eq!(&want, &got);
        }
        proptest::prop_assert_eq!(one.len(), many.len());
        for c in 0..one.len() as u32 {
            proptest::prop_assert_eq!(one.get(c), many.get(c));
            proptest::prop_assert_eq!(many.lookup(one.get(c)), Some(c));
        }
    }
}

/// The radix sort of a batch's `bucket << 32 | index` keys gives the order of sorting
/// the whole keys (for 0–33 bucket bits, one to four passes, many equal buckets).
#[test]
fn buckets_radix_sorted_as_whole_keys() {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    for bits in [0u32, 1, 5, 11, 12, 21, 22, 25, 32] {
        for n in [0usize, 1, 2, 100, 5000] {
            let mask = if bits >= 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            };
            let keys: Vec<u64> = (0..n as u64)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // few distinct buckets for small masks: many equal ones
                    ((x & mask) << 32) | i
                })
                .collect();
            let mut want = keys.clone();
            want.sort_unstable();
            assert_eq!(
                batch::sort_by_bucket(keys, bits),
                want,
                "{bits} bits, {n} keys"
            );
        }
    }
}

/// The word-wise comparison of short ids is string equality, for every length up to 20
/// and a difference at every position.
#[test]
fn short_ids_compare_as_strings() {
    for n in 0..=20usize {
        let a: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        assert!(batch::same_str(&a, &a.clone()));
        for at in 0..n {
            let mut b = a.clone().into_bytes();
            b[at] = b'Z';
            let b = String::from_utf8(b).expect("ascii");
            assert!(!batch::same_str(&a, &b), "{a} vs {b}");
        }
        let longer = format!("{a}x");
        assert!(!batch::same_str(&a, &longer));
    }
    assert!(batch::same_str("é1234567", "é1234567"));
    assert!(!batch::same_str("é1234567", "è1234567"));
}

/// Batches that fit in the table without growing it insert in the probe's bucket order
/// (not sorted again): same codes, ids and lookups as interning one by one, with
/// repeats within a batch and ids of earlier batches.
#[test]
fn batches_into_a_table_that_does_not_grow_intern_as_one_by_one() {
    let mut one = IdDictionary::new();
    let mut many = IdDictionary::with_stored_hashes();
    // sized for every id below: no batch grows the table
    many.set_capacity_hint(200_000);
    for s in ["m", "b"] {
        assert_eq!(one.intern_str(s), many.intern_str(s));
    }
    assert!(!many.is_sorted());
    for (b, seed) in [11u64, 12, 13].into_iter().enumerate() {
        let ids = drawn_ids(seed, 6_000 + 1_000 * b, 9_000);
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let want: Vec<u32> = refs.iter().map(|s| one.intern_str(s)).collect();
        let before = many.len();
        let mut got = Vec::new();
        many.intern_strs(&refs, &mut got);
        assert_eq!(want, got);
        // new ids, repeats within the batch, and (after the first) ids of earlier ones
        let distinct: std::collections::HashSet<u32> = got.iter().copied().collect();
        assert!(distinct.len() < got.len());
        assert!(many.len() > before);
        assert_eq!(got.iter().any(|&c| (c as usize) < before), b > 0);
    }
    assert_eq!(one.len(), many.len());
    for c in 0..one.len() as u32 {
        assert_eq!(one.get(c), many.get(c));
        assert_eq!(many.lookup(one.get(c)), Some(c));
    }
}
