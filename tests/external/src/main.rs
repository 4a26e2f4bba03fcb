//! The three most frequent words of the files named on the command line.
use pardata::prelude::*;

fn main() -> std::process::ExitCode {
    World::run(|world| {
        // Every rank gets the same list and reads its own share of the files.
        let files: Vec<String> = std::env::args().skip(1).collect();
        let texts = Bag::try_from_sources(world, files, |path| {
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
        })?;
        let top = texts
            .flat_map(|text| text.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>())
            .frequencies() // (word, count), counted on each rank, then one shuffle
            .top_k(3, |(_, count)| *count);
        for (word, count) in top {
            world.say(format_args!("{word}: {count}")); // printed once, by rank 0
        }
        Ok::<(), JobFailure>(())
    })
}
