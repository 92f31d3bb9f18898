//! Connected components of the comparison graph (union–find).

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

/// The component of each item and the items of each component (codes ascending);
/// components are ordered largest first, ties by their smallest item code.
pub(crate) fn components(n_items: usize, left: &[u32], right: &[u32]) -> (Vec<u32>, Vec<Vec<u32>>) {
    let mut parent: Vec<u32> = (0..n_items as u32).collect();
    for (&l, &r) in left.iter().zip(right) {
        let (a, b) = (find(&mut parent, l), find(&mut parent, r));
        if a != b {
            // the smaller root wins: deterministic
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            parent[hi as usize] = lo;
        }
    }
    let mut root_index = vec![u32::MAX; n_items];
    let mut members: Vec<Vec<u32>> = Vec::new();
    for i in 0..n_items as u32 {
        let r = find(&mut parent, i);
        if root_index[r as usize] == u32::MAX {
            root_index[r as usize] = members.len() as u32;
            members.push(Vec::new());
        }
        members[root_index[r as usize] as usize].push(i);
    }
    // stable sort keeps first-appearance order among equal sizes
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|&c| std::cmp::Reverse(members[c].len()));
    let mut rank = vec![0u32; members.len()];
    for (new, &old) in order.iter().enumerate() {
        rank[old] = new as u32;
    }
    let mut comp = vec![0u32; n_items];
    for i in 0..n_items as u32 {
        let r = find(&mut parent, i);
        comp[i as usize] = rank[root_index[r as usize] as usize];
    }
    let sorted = order
        .into_iter()
        .map(|c| std::mem::take(&mut members[c]))
        .collect();
    (comp, sorted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_components_largest_first() {
        // items 0-1 and 2-3-4
        let (comp, members) = components(5, &[0, 2, 3], &[1, 3, 4]);
        assert_eq!(members, vec![vec![2, 3, 4], vec![0, 1]]);
        assert_eq!(comp, vec![1, 1, 0, 0, 0]);
    }
}
