//! The symbols of the dataset: the tutorial's 21 tickers with the sector each belongs to,
//! and generated names (`s00021`, `s00022`, ...) for scaling runs with more series.

/// The tutorial's symbols, in order, with a sector index (see [`SECTORS`]).
pub const DEFAULT_SYMBOLS: [(&str, usize); 21] = [
    ("aet", 0),
    ("afl", 1),
    ("aig", 1),
    ("al", 2),
    ("amgn", 0),
    ("avy", 2),
    ("b", 2),
    ("bwa", 2),
    ("ge", 2),
    ("hal", 3),
    ("hp", 3),
    ("hpq", 4),
    ("ibm", 4),
    ("jbl", 4),
    ("jpm", 1),
    ("luv", 5),
    ("met", 1),
    ("pcg", 6),
    ("tgt", 5),
    ("usb", 1),
    ("xom", 3),
];

/// The sectors of the model: health, finance, industry, energy, technology, consumer,
/// utilities.
pub const SECTORS: usize = 7;

/// The two symbols whose close prices are planted as the best-correlated pair.
pub const PLANTED_PAIR: (&str, &str) = ("aet", "luv");

/// The first `count` symbols: the tutorial's, then generated names.
pub fn first_symbols(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| match DEFAULT_SYMBOLS.get(i) {
            Some((name, _)) => name.to_string(),
            None => format!("s{i:05}"),
        })
        .collect()
}

/// The sector of a symbol: the tutorial's own, or one derived from the name.
pub fn sector_of(symbol: &str) -> usize {
    DEFAULT_SYMBOLS
        .iter()
        .find(|(name, _)| *name == symbol)
        .map(|&(_, sector)| sector)
        .unwrap_or_else(|| (super::model::name_hash(symbol) % SECTORS as u64) as usize)
}

/// Checks that a user-given symbol can name a file and a series: 1 to 32 characters of
/// lowercase ASCII letters, digits, `-` and `_`.
pub fn check_symbol(symbol: &str) -> Result<(), String> {
    let valid = !symbol.is_empty()
        && symbol.len() <= 32
        && symbol
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "'{symbol}' is not a symbol: use 1 to 32 lowercase letters, digits, '-' or '_'"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_then_generated_names() {
        let names = first_symbols(23);
        assert_eq!(names[0], "aet");
        assert_eq!(names[20], "xom");
        assert_eq!(names[21], "s00021");
        assert_eq!(names[22], "s00022");
        let mut sorted = names[..21].to_vec();
        sorted.sort();
        assert_eq!(
            sorted,
            names[..21],
            "the tutorial's list is in file-name order"
        );
    }

    #[test]
    fn symbols_are_checked() {
        assert!(check_symbol("aet").is_ok());
        assert!(check_symbol("brk-b_2").is_ok());
        for bad in ["", "AET", "a/b", "..", "a b", &"x".repeat(33)] {
            assert!(check_symbol(bad).is_err(), "{bad:?}");
        }
    }
}
