//! The collections lesson of the tutorial on pardata's `Bag`: the notebook's warm-up cells,
//! then the correlation written as the tutorial's solution (files -> read series ->
//! product -> filter self-pairs -> correlation -> max).
//!
//! ```sh
//! target/release/pardata prep --out data/tutorial --days 365
//! target/release/pardata convert data/tutorial/json
//! mpirun -n 2 target/release/examples/collections data/tutorial/json
//! ```

use std::path::PathBuf;

use pardata::io::frame::read_float_column;
use pardata::io::inputs::expand;
use pardata::prelude::*;
use pardata::workloads::correlate::kernel::{pairwise, Rule};

fn main() -> std::process::ExitCode {
    World::run(program)
}

fn program(world: &World) -> Result<(), String> {
    let range = || Bag::from_vec(world, (0..5i64).collect());
    let shown = |cell: &str, items: Option<Vec<String>>| {
        if let Some(items) = items {
            println!("{cell}: [{}]", items.join(", "));
        }
    };
    let text = |b: Bag<'_, i64>| b.map(|x| x.to_string()).collect();
    let pairs = |b: Bag<'_, (i64, i64)>| b.map(|(a, b)| format!("({a}, {b})")).collect();
    shown("range(5)", text(range()));
    shown("map square", text(range().map(|x| x * x)));
    shown("filter even", text(range().filter(|x| x % 2 == 0)));
    let product = range().product(range());
    world.say(format_args!(
        "product with itself, the plan:\n{}",
        product.explain()
    ));
    let all = product.count();
    world.say(format_args!("product with itself: {all} pairs"));
    let chained = range()
        .map(|x| x * x)
        .product(range())
        .filter(|(a, _)| a % 2 == 0);
    let listed = chained.map(|(a, b)| (a, b));
    let count_and_items = pairs(listed).map(|items| (items.len(), items));
    if let Some((count, items)) = count_and_items {
        println!(
            "map square, product, filter even: {count} pairs: [{}]",
            items.join(", ")
        );
    }

    // The correlation as the tutorial wrote it, for the frames in the folder given.
    let folder = std::env::args().nth(1).map(PathBuf::from);
    let Some(folder) = folder else {
        return Ok(());
    };
    let files = expand(&[folder], "h5").map_err(|error| error.to_string())?;
    let series = Bag::from_sources(world, files, |path| {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        (
            name,
            read_float_column(path, "data", "close").unwrap_or_default(),
        )
    })
    .persist();
    let best = series
        .bag()
        .product(series.bag())
        .filter(|((a, _), (b, _))| a < b)
        .map(|((a, x), (b, y))| (a, b, pairwise(&x, &y, &Rule::default())))
        .max_by(|(_, _, corr)| *corr);
    if let Some((a, b, corr)) = best {
        world.say(format_args!(
            "{a} matches with {b} with correlation {corr:.6}"
        ));
    }
    Ok(())
}
