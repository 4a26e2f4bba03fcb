//! The runtime's collectives under mpirun at several rank counts: the `collectives` example
//! checks each one against what every rank computes by itself, and fails through failure
//! agreement if any rank saw a wrong result.

mod common;

use std::path::Path;

use common::{example, launch_program};

#[test]
fn collectives_are_correct_at_every_rank_count() {
    let binary = example("collectives");
    for ranks in 0..=4 {
        let run = launch_program(&binary, Path::new("."), ranks, &[], &[]).ok();
        let shown = ranks.max(1);
        let plural = if shown == 1 { "" } else { "s" };
        assert_eq!(
            run.stdout.trim(),
            format!("collectives: all correct on {shown} rank{plural}"),
            "-n {ranks}"
        );
    }
}
