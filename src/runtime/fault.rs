//! Test-only fault injection: the environment variable `PARDATA_FAULT=<kind>@<rank>` makes
//! the named rank fail at the first checkpoint it reaches, so that tests can check that a
//! failure on one rank ends the whole job cleanly. Kinds: `error` (the rank returns an
//! error), `panic` (the rank panics), `crash` (the process dies at once, as a rank killed
//! by the system would) and `hang` (the rank stops answering, as one behind a cut network
//! link would). Unset, a checkpoint costs one environment lookup per run.

use std::sync::OnceLock;

/// The variable that arms a fault.
pub const FAULT_VAR: &str = "PARDATA_FAULT";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Error,
    Panic,
    Crash,
    Hang,
}

/// The error an injected `error` fault returns.
#[derive(Debug, thiserror::Error)]
#[error("injected fault at {site} ({FAULT_VAR})")]
pub struct InjectedFault {
    site: &'static str,
}

fn parse(spec: &str) -> Option<(Kind, usize)> {
    let (kind, rank) = spec.split_once('@')?;
    let kind = match kind {
        "error" => Kind::Error,
        "panic" => Kind::Panic,
        "crash" => Kind::Crash,
        "hang" => Kind::Hang,
        _ => return None,
    };
    Some((kind, rank.parse().ok()?))
}

fn armed() -> Option<(Kind, usize)> {
    static FAULT: OnceLock<Option<(Kind, usize)>> = OnceLock::new();
    *FAULT.get_or_init(|| std::env::var(FAULT_VAR).ok().and_then(|spec| parse(&spec)))
}

/// A checkpoint at `site`: fails here if a fault is armed for `rank`.
pub fn checkpoint(rank: usize, site: &'static str) -> Result<(), InjectedFault> {
    match armed() {
        Some((Kind::Error, r)) if r == rank => Err(InjectedFault { site }),
        Some((Kind::Panic, r)) if r == rank => panic!("injected panic at {site} ({FAULT_VAR})"),
        Some((Kind::Crash, r)) if r == rank => std::process::abort(),
        Some((Kind::Hang, r)) if r == rank => loop {
            std::thread::park();
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        assert_eq!(parse("panic@2"), Some((Kind::Panic, 2)));
        assert_eq!(parse("error@0"), Some((Kind::Error, 0)));
        assert_eq!(parse("crash@1"), Some((Kind::Crash, 1)));
        assert_eq!(parse("hang@0"), Some((Kind::Hang, 0)));
        assert_eq!(parse("panic"), None);
        assert_eq!(parse("boom@1"), None);
        assert_eq!(parse("panic@x"), None);
    }
}
