//! Influence as weighted PageRank over the workspace's graph of people.
//!
//! An edge says "`from` sends weight to `to`": a referral from A to B (weight: the count), or
//! an influence link "A influences B" entered the other way round (B looks to A; weight: the
//! link's strength scaled to referral counts by the caller). A person is influential when
//! influential people send to them. With probability `DAMPING` a random walk follows an edge
//! (in proportion to its weight), else it jumps anywhere; people who send nothing spread their
//! score evenly. Scores sum to 1; `score × n` reads as "times the average person".
//! Power iteration to an L1 change under 1e-10 (or 200 rounds): 50,000 people and 200,000 edges
//! take a few milliseconds a round.

/// The usual damping factor (Brin and Page).
pub const DAMPING: f64 = 0.85;
const TOLERANCE: f64 = 1e-10;
const MAX_ROUNDS: usize = 200;

/// One weighted, directed edge between node indexes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub weight: f64,
}

/// PageRank of `nodes` nodes; edges to unknown nodes, self-loops and weights that are not
/// positive and finite are ignored.
pub fn pagerank(nodes: usize, edges: &[Edge]) -> Vec<f64> {
    if nodes == 0 {
        return Vec::new();
    }
    let usable: Vec<Edge> = edges
        .iter()
        .copied()
        .filter(|e| {
            e.from < nodes
                && e.to < nodes
                && e.from != e.to
                && e.weight.is_finite()
                && e.weight > 0.0
        })
        .collect();
    let mut out_weight = vec![0.0; nodes];
    for e in &usable {
        out_weight[e.from] += e.weight;
    }
    let n = nodes as f64;
    let mut score = vec![1.0 / n; nodes];
    let mut next = vec![0.0; nodes];
    for _ in 0..MAX_ROUNDS {
        let dangling: f64 = (0..nodes)
            .filter(|&i| out_weight[i] == 0.0)
            .map(|i| score[i])
            .sum();
        let base = (1.0 - DAMPING) / n + DAMPING * dangling / n;
        next.iter_mut().for_each(|s| *s = base);
        for e in &usable {
            next[e.to] += DAMPING * score[e.from] * e.weight / out_weight[e.from];
        }
        let change: f64 = score.iter().zip(&next).map(|(a, b)| (a - b).abs()).sum();
        std::mem::swap(&mut score, &mut next);
        if change < TOLERANCE {
            break;
        }
    }
    score
}

/// For every node, the `k` senders that give it the most of its score, largest first, as
/// shares of that score (0..1): [`contributions`] for the whole graph in one pass over the
/// edges.
pub fn top_contributors(edges: &[Edge], scores: &[f64], k: usize) -> Vec<Vec<(usize, f64)>> {
    let nodes = scores.len();
    let usable = |e: &&Edge| {
        e.from < nodes && e.to < nodes && e.from != e.to && e.weight.is_finite() && e.weight > 0.0
    };
    let mut out_weight = vec![0.0; nodes];
    for e in edges.iter().filter(usable) {
        out_weight[e.from] += e.weight;
    }
    let mut incoming: Vec<Vec<(usize, f64)>> = vec![Vec::new(); nodes];
    for e in edges.iter().filter(usable) {
        let amount = DAMPING * scores[e.from] * e.weight / out_weight[e.from];
        match incoming[e.to].iter_mut().find(|(f, _)| *f == e.from) {
            Some(existing) => existing.1 += amount,
            None => incoming[e.to].push((e.from, amount)),
        }
    }
    incoming
        .into_iter()
        .enumerate()
        .map(|(node, mut given)| {
            given.sort_by(|a, b| b.1.total_cmp(&a.1));
            given.truncate(k);
            let score = scores[node];
            given
                .into_iter()
                .map(|(from, amount)| (from, if score > 0.0 { amount / score } else { 0.0 }))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn edge(from: usize, to: usize, weight: f64) -> Edge {
        Edge { from, to, weight }
    }

    #[test]
    fn no_people_no_scores_and_no_edges_means_everyone_equal() {
        assert!(pagerank(0, &[]).is_empty());
        let scores = pagerank(4, &[]);
        assert!(scores.iter().all(|s| (s - 0.25).abs() < 1e-12));
    }

    #[test]
    fn a_two_person_cycle_matches_the_hand_computed_case() {
        // 0 -> 1 only; 1 sends nothing (dangling). By hand: s0 = 0.15/2 + 0.85 * s1 / 2,
        // s1 = 0.15/2 + 0.85 * s1 / 2 + 0.85 * s0; with s0 + s1 = 1: s0 = 0.3509, s1 = 0.6491.
        let scores = pagerank(2, &[edge(0, 1, 5.0)]);
        assert!((scores[0] - 0.350_877).abs() < 1e-5, "{scores:?}");
        assert!((scores[1] - 0.649_123).abs() < 1e-5);
    }

    #[test]
    fn the_hub_everyone_refers_to_ranks_first_and_weights_matter() {
        // 1, 2, 3 refer to 0; 3 also refers a little to 4.
        let edges = [
            edge(1, 0, 10.0),
            edge(2, 0, 10.0),
            edge(3, 0, 9.0),
            edge(3, 4, 1.0),
        ];
        let scores = pagerank(5, &edges);
        let best = (0..5)
            .max_by(|&a, &b| scores[a].total_cmp(&scores[b]))
            .unwrap();
        assert_eq!(best, 0);
        assert!(scores[4] > scores[1], "4 gets something from 3");
        let reasons = &top_contributors(&edges, &scores, 5)[0];
        assert_eq!(reasons.len(), 3);
        assert!(reasons[0].0 == 1 || reasons[0].0 == 2);
        assert!(reasons[2].0 == 3, "3 splits its weight with 4");
    }

    #[test]
    fn top_contributors_are_shares_of_the_score_merged_per_sender() {
        // 3 sends to 0 twice (9 and 1): one reason; 1 and 2 give all they send, 3 ten elevenths.
        let edges = [
            edge(1, 0, 10.0),
            edge(2, 0, 10.0),
            edge(3, 0, 9.0),
            edge(3, 4, 1.0),
            edge(3, 0, 1.0),
        ];
        let scores = pagerank(5, &edges);
        let top = top_contributors(&edges, &scores, 2);
        assert_eq!(top.len(), 5);
        assert_eq!(top[0].len(), 2, "cut to k");
        let given = |from: usize, part: f64| DAMPING * scores[from] * part / scores[0];
        assert_eq!(top[0][0].0, 1);
        assert!((top[0][0].1 - given(1, 1.0)).abs() < 1e-12);
        assert!((top[0][1].1 - given(2, 1.0)).abs() < 1e-12);
        let all = top_contributors(&edges, &scores, 5);
        assert!((all[0][2].1 - given(3, 10.0 / 11.0)).abs() < 1e-12);
        assert!(all[0].iter().map(|r| r.1).sum::<f64>() < 1.0);
        assert!(top[1].is_empty(), "nobody sends to 1");
        assert_eq!(top[4], vec![(3, top[4][0].1)]);
    }

    #[test]
    fn bad_edges_are_ignored() {
        let edges = [
            edge(0, 0, 5.0),
            edge(0, 9, 1.0),
            edge(1, 0, f64::NAN),
            edge(1, 0, -2.0),
        ];
        let scores = pagerank(2, &edges);
        assert!((scores[0] - 0.5).abs() < 1e-12 && (scores[1] - 0.5).abs() < 1e-12);
    }

    proptest! {
        #[test]
        fn scores_are_positive_and_sum_to_one(
            nodes in 1usize..40,
            raw in proptest::collection::vec((0usize..40, 0usize..40, 0.1f64..100.0), 0..120),
        ) {
            let edges: Vec<Edge> = raw.into_iter().map(|(f, t, w)| edge(f % nodes, t % nodes, w)).collect();
            let scores = pagerank(nodes, &edges);
            prop_assert_eq!(scores.len(), nodes);
            prop_assert!(scores.iter().all(|&s| s > 0.0));
            prop_assert!((scores.iter().sum::<f64>() - 1.0).abs() < 1e-8);
        }
    }
}
