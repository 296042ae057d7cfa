//! Both pagination styles the seeds use: `page`/`limit` with totals, and `after` cursors.

use serde::Serialize;

/// What a list request asked for. `page` selects offset mode; otherwise `after` is a cursor
/// (the id of the last item already seen) and lists continue strictly after it.
#[derive(Clone, Debug, Default)]
pub struct PageRequest {
    pub limit: u32,
    pub page: Option<u32>,
    pub after: Option<String>,
}

/// One page of a list, newest first.
#[derive(Clone, Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
    /// Total matching rows; counted only in `page` mode.
    pub total: Option<u64>,
    /// The `after` value that fetches the next page, when there is one.
    pub next_cursor: Option<String>,
}

impl<T: crate::Record> Page<T> {
    /// Trims the one extra row fetched to learn whether more exist.
    pub(crate) fn from_overfetch(mut items: Vec<T>, limit: u32, total: Option<u64>) -> Self {
        let has_more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next_cursor = if has_more { items.last().map(|item| item.id().to_owned()) } else { None };
        Self { items, has_more, total, next_cursor }
    }
}
