//! Generic, tenant-scoped create/read/update/delete/list for every resource table.

use crate::page::{Page, PageRequest};
use crate::sql::{Param, Sql};
use crate::{Error, Result, Store};
use agentline_domain::{AccountId, BusinessId};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, FromRow};

/// Who is asking: the account, and the one business a key may be restricted to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    pub account_id: AccountId,
    pub business_id: Option<BusinessId>,
}

impl Tenant {
    pub fn account(account_id: AccountId) -> Self {
        Self { account_id, business_id: None }
    }
}

/// A row type stored in one table that has `id`, `account_id` and `created_at` columns.
pub trait Record: for<'r> FromRow<'r, AnyRow> + Send + Unpin + 'static {
    const TABLE: &'static str;
    /// Whether rows carry a `business_id` that business-restricted keys are confined to.
    const BUSINESS_SCOPED: bool;
    fn id(&self) -> &str;
    /// Every column with its value; `id` first, then `account_id`.
    fn columns(&self) -> Vec<(&'static str, Param)>;
}

/// Conditions a list adds to the tenant scope, all joined with AND.
#[derive(Clone, Debug, Default)]
pub struct Filter(Vec<(&'static str, &'static str, Param)>);

impl Filter {
    pub fn new() -> Self {
        Self::default()
    }

    fn with(mut self, column: &'static str, op: &'static str, value: Option<Param>) -> Self {
        if let Some(value) = value {
            self.0.push((column, op, value));
        }
        self
    }

    /// `column = value`, skipped when `value` is `None`.
    pub fn eq<P: Into<Param>>(self, column: &'static str, value: Option<P>) -> Self {
        self.with(column, " = ", value.map(Into::into))
    }

    /// `column >= value`, skipped when `value` is `None`.
    pub fn gte<P: Into<Param>>(self, column: &'static str, value: Option<P>) -> Self {
        self.with(column, " >= ", value.map(Into::into))
    }

    /// `column < value`, skipped when `value` is `None`.
    pub fn lt<P: Into<Param>>(self, column: &'static str, value: Option<P>) -> Self {
        self.with(column, " < ", value.map(Into::into))
    }
}

/// Appends ` WHERE account_id = … [AND business_id = …]` for `tenant`.
fn scope_to<R: Record>(sql: &mut Sql, tenant: &Tenant) {
    sql.push(" WHERE account_id = ").bind(tenant.account_id.as_str());
    if let (true, Some(business)) = (R::BUSINESS_SCOPED, &tenant.business_id) {
        sql.push(" AND business_id = ").bind(business.as_str());
    }
}

fn select_one<R: Record>(tenant: &Tenant, id: &str) -> Sql {
    let mut sql = Sql::new(&format!("SELECT * FROM {}", R::TABLE));
    scope_to::<R>(&mut sql, tenant);
    sql.push(" AND id = ").bind(id);
    sql
}

/// Inserts `record`. The caller has already set its tenant columns.
pub async fn insert<'e, R: Record>(exec: impl Executor<'e, Database = Any>, record: &R) -> Result<()> {
    let columns = record.columns();
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let mut sql = Sql::new(&format!("INSERT INTO {} ({}) VALUES (", R::TABLE, names.join(", ")));
    for (i, (_, value)) in columns.into_iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(value);
    }
    sql.push(")");
    let (text, args) = sql.build();
    sqlx::query_with(text, args).execute(exec).await?;
    Ok(())
}

/// Inserts `records` with multi-row statements (bulk loads: imports, benchmarks).
pub async fn insert_many<R: Record>(store: &Store, conn: &mut sqlx::AnyConnection, records: &[R]) -> Result<()> {
    let Some(first) = records.first() else { return Ok(()) };
    let names: Vec<&str> = first.columns().iter().map(|(name, _)| *name).collect();
    // SQLite finds a `$N` parameter's name by a linear scan when binding, so a statement's
    // cost grows with the square of its parameters: there, one row per (prepared, cached)
    // statement is fastest. Postgres takes up to 65,535 parameters a statement.
    let per_statement = match store.dialect() {
        crate::Dialect::Sqlite => 1,
        crate::Dialect::Postgres => (30_000 / names.len()).max(1),
    };
    for chunk in records.chunks(per_statement) {
        let mut sql = Sql::new(&format!("INSERT INTO {} ({}) VALUES ", R::TABLE, names.join(", ")));
        for (row, record) in chunk.iter().enumerate() {
            sql.push(if row == 0 { "(" } else { ", (" });
            for (i, (_, value)) in record.columns().into_iter().enumerate() {
                sql.push(if i == 0 { "" } else { ", " }).bind(value);
            }
            sql.push(")");
        }
        let (text, args) = sql.build();
        sqlx::query_with(text, args).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts `record` on its own, outside any transaction.
pub async fn create<R: Record>(store: &Store, record: &R) -> Result<()> {
    insert(store.pool(), record).await
}

/// Fetches one row of the tenant by id; [`Error::NotFound`] for another tenant's row.
pub async fn get<R: Record>(store: &Store, tenant: &Tenant, id: &str) -> Result<R> {
    let (text, args) = select_one::<R>(tenant, id).build();
    Ok(sqlx::query_as_with(text, args).fetch_one(store.pool()).await?)
}

/// Rewrites every column but `id`, `account_id` and `created_at` of the tenant's row.
pub async fn update<R: Record>(store: &Store, tenant: &Tenant, record: &R) -> Result<()> {
    let columns = record.columns();
    let id = record.id().to_owned();
    let mut sql = Sql::new(&format!("UPDATE {} SET ", R::TABLE));
    let settable = columns.into_iter().filter(|(name, _)| !matches!(*name, "id" | "account_id" | "created_at"));
    for (i, (name, value)) in settable.enumerate() {
        sql.push(if i == 0 { "" } else { ", " }).push(name).push(" = ").bind(value);
    }
    scope_to::<R>(&mut sql, tenant);
    sql.push(" AND id = ").bind(id);
    execute_one(store, sql).await
}

/// Runs a statement that must touch a row; [`Error::NotFound`] when it touched none.
async fn execute_one(store: &Store, sql: Sql) -> Result<()> {
    let (text, args) = sql.build();
    match sqlx::query_with(text, args).execute(store.pool()).await?.rows_affected() {
        0 => Err(Error::NotFound),
        _ => Ok(()),
    }
}

/// Deletes the tenant's row; [`Error::NotFound`] if there is none.
pub async fn delete<R: Record>(store: &Store, tenant: &Tenant, id: &str) -> Result<()> {
    let mut sql = Sql::new(&format!("DELETE FROM {}", R::TABLE));
    scope_to::<R>(&mut sql, tenant);
    sql.push(" AND id = ").bind(id);
    execute_one(store, sql).await
}

fn filtered<R: Record>(select: &str, tenant: &Tenant, filter: &Filter) -> Sql {
    let mut sql = Sql::new(&format!("SELECT {select} FROM {}", R::TABLE));
    scope_to::<R>(&mut sql, tenant);
    for (column, op, value) in &filter.0 {
        sql.push(" AND ").push(column).push(op).bind(value.clone());
    }
    sql
}

/// Lists the tenant's rows matching `filter`, newest first, one page at a time.
pub async fn list<R: Record>(store: &Store, tenant: &Tenant, filter: &Filter, page: &PageRequest) -> Result<Page<R>> {
    let mut sql = filtered::<R>("*", tenant, filter);
    let mut total = None;
    if let (None, Some(after)) = (page.page, &page.after) {
        sql.push(" AND id < ").bind(after.as_str());
    }
    sql.push(" ORDER BY id DESC LIMIT ").bind(i64::from(page.limit) + 1);
    if let Some(number) = page.page {
        let offset = i64::from(number.saturating_sub(1)) * i64::from(page.limit);
        sql.push(" OFFSET ").bind(offset);
        let (text, args) = filtered::<R>("COUNT(*)", tenant, filter).build();
        let count: i64 = sqlx::query_scalar_with(text, args).fetch_one(store.pool()).await?;
        total = Some(count.max(0) as u64);
    }
    let (text, args) = sql.build();
    let rows: Vec<R> = sqlx::query_as_with(text, args).fetch_all(store.pool()).await?;
    Ok(Page::from_overfetch(rows, page.limit, total))
}
