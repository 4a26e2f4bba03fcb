//! Static division of a sequence of items among ranks: contiguous blocks balanced by
//! weight. Every rank computes the same division from the same inputs, so no
//! message is needed to agree on who does what.

use std::ops::Range;

/// Contiguous blocks of the items, one per part, whose total weights are as even as a
/// contiguous cut allows: part p starts at the first item whose middle lies at or past
/// p/parts of the total weight. Blocks may be empty when one item outweighs a share. The
/// weights are walked twice and never stored, so millions of items cost no memory.
pub fn weighted_blocks<W>(weights: W, parts: usize) -> Vec<Range<usize>>
where
    W: IntoIterator<Item = u64> + Clone,
{
    assert!(parts > 0, "at least one part");
    let total: u128 = weights.clone().into_iter().map(u128::from).sum();
    let mut count = 0;
    let mut starts = Vec::with_capacity(parts + 1);
    starts.push(0);
    let mut before: u128 = 0;
    let mut next_part = 1;
    for (i, w) in weights.into_iter().enumerate() {
        count = i + 1;
        // Item i goes to part p when p/parts <= (weight before i + half of i) / total.
        let middle = 2 * before + u128::from(w);
        while next_part < parts && middle * parts as u128 >= 2 * total * next_part as u128 {
            starts.push(i);
            next_part += 1;
        }
        before += u128::from(w);
    }
    while starts.len() <= parts {
        starts.push(count);
    }
    starts.windows(2).map(|w| w[0]..w[1]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covers(blocks: &[Range<usize>], items: usize) -> bool {
        blocks.first().map_or(items == 0, |b| b.start == 0)
            && blocks.windows(2).all(|w| w[0].end == w[1].start)
            && blocks.last().is_some_and(|b| b.end == items)
    }

    #[test]
    fn equal_weights_give_equal_blocks() {
        let blocks = weighted_blocks(vec![1; 12], 3);
        assert_eq!(blocks, vec![0..4, 4..8, 8..12]);
    }

    #[test]
    fn weighted_blocks_balance_weight() {
        // Four light items then one that weighs as much as all of them.
        let blocks = weighted_blocks(vec![1, 1, 1, 1, 4], 2);
        assert_eq!(blocks, vec![0..4, 4..5]);
        for parts in 1..6 {
            let weights: Vec<u64> = (0..100).map(|i| 1 + (i * 7 % 5)).collect();
            let blocks = weighted_blocks(weights.clone(), parts);
            assert_eq!(blocks.len(), parts);
            assert!(covers(&blocks, 100));
            let total: u64 = weights.iter().sum();
            let heaviest = *weights.iter().max().unwrap();
            for b in &blocks {
                let w: u64 = weights[b.clone()].iter().sum();
                assert!(
                    w <= total / parts as u64 + heaviest,
                    "{w} of {total} in {parts}"
                );
            }
        }
    }

    #[test]
    fn more_parts_than_items_leaves_empty_blocks() {
        let blocks = weighted_blocks(vec![5, 5], 4);
        assert_eq!(blocks.len(), 4);
        assert!(covers(&blocks, 2));
        assert_eq!(blocks.iter().filter(|b| !b.is_empty()).count(), 2);
    }
}
