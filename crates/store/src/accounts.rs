//! Accounts: tenants, each with businesses, keys, a wallet and a plan.

use crate::businesses::Business;
use crate::keys::ApiKey;
use crate::record::insert;
use crate::wallet::LedgerEntry;
use crate::{Result, Store};
use agentline_domain::secret::GeneratedSecret;
use agentline_domain::{AccountId, ApiKeyMode, BusinessId, KeyId, LedgerId, ScopeSet, SecretString, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

/// An account (tenant).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    #[serde(skip)]
    pub admin_token_hash: String,
    pub plan: String,
    /// How many calls may be active at once.
    pub concurrency_limit: i64,
    pub balance_cents: i64,
    pub rate_cents_per_minute: i64,
    pub currency: String,
    pub created_at: Timestamp,
}

crate::column::from_row! {
    Account {
        id: parsed,
        name: text,
        admin_token_hash: text,
        plan: text,
        concurrency_limit: int,
        balance_cents: int,
        rate_cents_per_minute: int,
        currency: text,
        created_at: time,
    }
}

/// What a new account starts with.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub name: String,
    pub plan: String,
    pub concurrency_limit: i64,
    pub balance_cents: i64,
    pub rate_cents_per_minute: i64,
}

/// A new account and its first credentials, each secret shown this once.
#[derive(Debug)]
pub struct Bootstrapped {
    pub account: Account,
    pub business: Business,
    pub admin_token: SecretString,
    pub live_key: SecretString,
    pub live_key_id: KeyId,
    pub test_key: SecretString,
    pub test_key_id: KeyId,
}

/// A fresh key row for `account` and its one-time secret.
pub fn new_key(
    account_id: &AccountId,
    name: String,
    mode: ApiKeyMode,
    scopes: &ScopeSet,
    now: Timestamp,
) -> (ApiKey, SecretString) {
    let secret = GeneratedSecret::api_key(mode);
    let key = ApiKey {
        id: KeyId::generate(),
        account_id: account_id.clone(),
        business_id: None,
        name,
        prefix: secret.visible_prefix,
        key_hash: secret.hash,
        mode,
        scopes: scopes.to_strings(),
        ip_allowlist: Vec::new(),
        expires_at: None,
        revoked_at: None,
        last_used_at: None,
        created_at: now,
    };
    (key, secret.value)
}

/// Creates an account with a default business, an admin token and full-access live and test
/// keys, all in one transaction.
pub async fn bootstrap(store: &Store, new: NewAccount) -> Result<Bootstrapped> {
    let now = Timestamp::now();
    let admin = GeneratedSecret::admin_token();
    let account = Account {
        id: AccountId::generate(),
        name: new.name.clone(),
        admin_token_hash: admin.hash,
        plan: new.plan,
        concurrency_limit: new.concurrency_limit,
        balance_cents: new.balance_cents,
        rate_cents_per_minute: new.rate_cents_per_minute,
        currency: "USD".to_owned(),
        created_at: now,
    };
    let business = Business {
        id: BusinessId::generate(),
        account_id: account.id.clone(),
        name: new.name,
        phone: None,
        timezone: None,
        created_at: now,
        updated_at: now,
    };
    let (live, live_key) =
        new_key(&account.id, "Default live key".into(), ApiKeyMode::Live, &ScopeSet::everything(), now);
    let (test, test_key) =
        new_key(&account.id, "Default test key".into(), ApiKeyMode::Test, &ScopeSet::everything(), now);

    let mut tx = store.begin_write().await?;
    sqlx::query(
        "INSERT INTO accounts (id, name, admin_token_hash, plan, concurrency_limit, balance_cents, rate_cents_per_minute, currency, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(account.id.as_str())
    .bind(&account.name)
    .bind(&account.admin_token_hash)
    .bind(&account.plan)
    .bind(account.concurrency_limit)
    .bind(account.balance_cents)
    .bind(account.rate_cents_per_minute)
    .bind(&account.currency)
    .bind(now.to_db())
    .execute(&mut *tx)
    .await?;
    insert(&mut *tx, &business).await?;
    if account.balance_cents != 0 {
        let opening = LedgerEntry {
            id: LedgerId::generate(),
            account_id: account.id.clone(),
            kind: "credit".to_owned(),
            amount_cents: account.balance_cents,
            balance_after_cents: account.balance_cents,
            call_id: None,
            description: Some("starting balance".to_owned()),
            created_at: now,
        };
        insert(&mut *tx, &opening).await?;
    }
    insert(&mut *tx, &live).await?;
    insert(&mut *tx, &test).await?;
    tx.commit().await?;
    Ok(Bootstrapped {
        account,
        business,
        admin_token: admin.value,
        live_key,
        live_key_id: live.id,
        test_key,
        test_key_id: test.id,
    })
}

pub async fn get(store: &Store, id: &AccountId) -> Result<Account> {
    Ok(sqlx::query_as("SELECT * FROM accounts WHERE id = $1").bind(id.as_str()).fetch_one(store.pool()).await?)
}

/// The account whose admin token hashes to `hash`.
pub async fn find_by_admin_token_hash(store: &Store, hash: &str) -> Result<Option<Account>> {
    Ok(sqlx::query_as("SELECT * FROM accounts WHERE admin_token_hash = $1")
        .bind(hash)
        .fetch_optional(store.pool())
        .await?)
}

/// The business every new resource of the account lands in unless told otherwise: the oldest.
pub async fn default_business(store: &Store, account_id: &AccountId) -> Result<Business> {
    Ok(sqlx::query_as("SELECT * FROM businesses WHERE account_id = $1 ORDER BY id LIMIT 1")
        .bind(account_id.as_str())
        .fetch_one(store.pool())
        .await?)
}

/// How many rows of `table` the account has; `table` is one of this crate's constants.
pub(crate) async fn count(store: &Store, table: &'static str, account_id: &AccountId) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE account_id = $1");
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(account_id.as_str()).fetch_one(store.pool()).await?)
}

/// Phone numbers the account holds, for the balance summary.
pub async fn number_count(store: &Store, account_id: &AccountId) -> Result<i64> {
    count(store, "phone_numbers", account_id).await
}
