//! correlate's block product on one core: `a bᵀ` of two blocks of standardized series
//! (256 series of 4,220 points by default, the shape of `bench/correlate.sh many`), by
//! matrixmultiply (through ndarray, the kernel before faer), by faer (`block_product`,
//! what correlate runs) and by faer on the upper triangle only (`self_block_product`, a
//! block with itself). Prints GFLOP/s of the whole product, best of ten rounds; bench/dgemm.sh
//! sets OpenBLAS through NumPy beside it.
//!
//! ```sh
//! cargo bench --bench block_product -- 256 4220
//! ```

use std::time::Instant;

use ndarray::Array2;
use pardata::workloads::correlate::kernel::{block_product, self_block_product};

fn main() {
    let mut sizes = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse::<usize>().ok());
    let (series, points) = (sizes.next().unwrap_or(256), sizes.next().unwrap_or(4220));
    // Seeded values in [-0.5, 0.5): the arithmetic does not depend on them.
    let block = |seed: usize| {
        Array2::from_shape_fn((series, points), |(s, i)| {
            ((s * points + i) * seed % 1009) as f64 / 1009.0 - 0.5
        })
    };
    let (a, b) = (block(7919), block(104_729));
    let flops = 2.0 * (series * series * points) as f64;
    let rate = |name: &str, product: &dyn Fn() -> Array2<f64>| {
        let best = (0..10)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(product());
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        println!("{name:<40} {:7.1} GFLOP/s", flops / best / 1e9);
    };
    println!("{series} series x {points} points, one thread");
    rate("matrixmultiply (ndarray's dot)", &|| a.dot(&b.t()));
    rate("faer (block_product)", &|| {
        block_product(a.view(), b.view())
    });
    rate("faer, upper triangle (self_block_product)", &|| {
        self_block_product(a.view())
    });
}
