//! List parameters and the list envelope shared by every collection.

use super::error::{ApiError, ApiResult};
use agentline_store::{Page, PageRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Paging: `page` + `limit` (with totals), or `after` (the `next_cursor` of the previous page).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Items per page (default 50, at most 100; the usage log allows 500).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// 1-based page number; selects page mode, which also reports `count` and `pages`.
    #[param(minimum = 1, maximum = 2147483647)]
    pub page: Option<u32>,
    /// Cursor: the id of the last item already seen. Lists are newest first.
    #[param(pattern = "^[a-z]+_[0-9a-f]{32}$")]
    pub after: Option<String>,
}

impl ListParams {
    pub fn to_request(&self, default_limit: u32, max_limit: u32) -> ApiResult<PageRequest> {
        let limit = self.limit.unwrap_or(default_limit);
        if limit == 0 || limit > max_limit {
            return Err(ApiError::validation(format!("limit must be between 1 and {max_limit}")).with_param("limit"));
        }
        if self.page == Some(0) {
            return Err(ApiError::validation("page starts at 1").with_param("page"));
        }
        if self.page.is_some_and(|page| i32::try_from(page).is_err()) {
            return Err(ApiError::validation("page must be at most 2147483647").with_param("page"));
        }
        if let Some(after) = &self.after {
            let well_formed = after.split_once('_').is_some_and(|(prefix, body)| {
                !prefix.is_empty()
                    && prefix.bytes().all(|b| b.is_ascii_lowercase())
                    && body.len() == 32
                    && body.bytes().all(|b| b.is_ascii_hexdigit())
            });
            if !well_formed {
                return Err(
                    ApiError::validation("after: must be the next_cursor of a previous page").with_param("after")
                );
            }
        }
        if self.page.is_some() && self.after.is_some() {
            return Err(ApiError::validation("use either page or after, not both").with_param("after"));
        }
        Ok(PageRequest { limit, page: self.page, after: self.after.clone() })
    }
}

/// An RFC 3339 query parameter in the stored timestamp form, for range filters.
pub(crate) fn instant(field: &'static str, value: Option<&str>) -> ApiResult<Option<String>> {
    let parse = |v: &str| agentline_domain::Timestamp::parse(v).map(agentline_domain::Timestamp::to_db);
    value.map(|v| parse(v).map_err(|e| ApiError::validation(format!("{field}: {e}")).with_param(field))).transpose()
}

/// One page of a collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T> {
    pub data: Vec<T>,
    pub has_more: bool,
    /// Pass as `after` to fetch the next page.
    pub next_cursor: Option<String>,
    pub limit: u32,
    /// Total number of items (page mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<u64>,
}

impl<T> List<T> {
    pub fn new(page: Page<T>, request: &PageRequest) -> Self {
        let limit = request.limit;
        Self {
            data: page.items,
            has_more: page.has_more,
            next_cursor: page.next_cursor,
            limit,
            count: page.total,
            page: request.page,
            pages: page.total.map(|total| total.div_ceil(u64::from(limit))),
        }
    }
}

impl<T> List<T> {
    /// The same page with each item converted.
    pub fn map<U>(self, convert: impl FnMut(T) -> U) -> List<U> {
        List {
            data: self.data.into_iter().map(convert).collect(),
            has_more: self.has_more,
            next_cursor: self.next_cursor,
            limit: self.limit,
            count: self.count,
            page: self.page,
            pages: self.pages,
        }
    }
}

/// The answer to a DELETE.
#[derive(Debug, Serialize, ToSchema)]
pub struct Deleted {
    pub id: String,
    pub deleted: bool,
}

impl Deleted {
    pub fn new(id: &str) -> Self {
        Self { id: id.to_owned(), deleted: true }
    }
}
