//! The paradigms of parallel work, built only on the runtime: how items are divided among
//! ranks ([`partition`], [`map`]), how submitted calls are scheduled ([`futures`]), and how
//! all pairs of many series are shared out ([`pairs`]). They know nothing about stocks,
//! files or models.

pub mod bag;
pub mod futures;
pub mod map;
pub mod pairs;
pub mod partition;
