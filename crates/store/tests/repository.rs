//! The repository API against real SQLite and Postgres databases.

use agentline_domain::brain::Brain;
use agentline_domain::call::{CallEvent, CallStatus, EndReason, cost_cents};
use agentline_domain::trunk::{CallerIdMode, SipTransport};
use agentline_domain::{
    AgentId, ApiKeyMode, BusinessId, CarrierKind, Direction, NumberId, PhoneNumber, SecretString, Timestamp, TrunkId,
};
use agentline_store::accounts::{self, NewAccount};
use agentline_store::agents::Agent;
use agentline_store::calls::{self, Call, NewCall};
use agentline_store::lifecycle;
use agentline_store::numbers::Number;
use agentline_store::record::{self, Filter, Tenant};
use agentline_store::test_support::{Engine, fresh_store};
use agentline_store::trunks::Trunk;
use agentline_store::{Error, PageRequest, Store, dispatch, events, wallet, webhooks};

fn new_account(name: &str) -> NewAccount {
    NewAccount {
        name: name.into(),
        plan: "pro".into(),
        concurrency_limit: 10,
        balance_cents: 1000,
        rate_cents_per_minute: 10,
    }
}

fn agent(tenant: &Tenant, business: &BusinessId, name: &str) -> Agent {
    let now = Timestamp::now();
    Agent {
        id: AgentId::generate(),
        account_id: tenant.account_id.clone(),
        business_id: business.clone(),
        name: name.into(),
        instructions: "Be brief with {{name}}".into(),
        first_message: None,
        voice: None,
        language: "en-US".into(),
        brain: Brain::default(),
        speech: Default::default(),
        voicemail: None,
        analysis: Default::default(),
        webhook_url: None,
        max_duration_secs: 600,
        assistant_id: Some(format!("ext-{name}")),
        metadata: Default::default(),
        created_at: now,
        updated_at: now,
    }
}

async fn crud_and_isolation(engine: Engine) {
    let (store, _db) = fresh_store(engine).await.unwrap();
    let a = accounts::bootstrap(&store, new_account("A")).await.unwrap();
    let b = accounts::bootstrap(&store, new_account("B")).await.unwrap();
    let ta = Tenant::account(a.account.id.clone());
    let tb = Tenant::account(b.account.id.clone());

    let mut kai = agent(&ta, &a.business.id, "kai");
    record::insert(store_pool(&store), &kai).await.unwrap();
    let got: Agent = record::get(&store, &ta, kai.id.as_str()).await.unwrap();
    assert_eq!(got.name, "kai");
    assert_eq!(got.brain, Brain::default());

    // Account B sees, changes and deletes nothing of A's.
    assert!(matches!(record::get::<Agent>(&store, &tb, kai.id.as_str()).await, Err(Error::NotFound)));
    kai.name = "stolen".into();
    assert!(matches!(record::update(&store, &tb, &kai).await, Err(Error::NotFound)));
    assert!(matches!(record::delete::<Agent>(&store, &tb, kai.id.as_str()).await, Err(Error::NotFound)));
    assert_eq!(record::get::<Agent>(&store, &ta, kai.id.as_str()).await.unwrap().name, "kai");

    // Lookups by external assistant id stay inside the tenant too.
    let found = agentline_store::agents::find_by_id_or_assistant_id(&store, &ta, "ext-kai").await.unwrap();
    assert_eq!(found.id, kai.id);
    assert!(agentline_store::agents::find_by_id_or_assistant_id(&store, &tb, "ext-kai").await.is_err());

    // A number pointing at the agent is unassigned when the agent goes.
    let now = Timestamp::now();
    let number = Number {
        id: agentline_domain::NumberId::generate(),
        account_id: ta.account_id.clone(),
        business_id: a.business.id.clone(),
        phone_number: PhoneNumber::parse("+14155550100").unwrap(),
        label: None,
        outbound_enabled: true,
        inbound_enabled: false,
        agent_id: Some(kai.id.clone()),
        carrier: agentline_domain::CarrierKind::Sandbox,
        trunk_id: None,
        created_at: now,
        updated_at: now,
    };
    record::insert(store_pool(&store), &number).await.unwrap();
    let dup = Number { id: agentline_domain::NumberId::generate(), ..number.clone() };
    assert!(matches!(record::insert(store_pool(&store), &dup).await, Err(Error::AlreadyExists)));
    record::delete::<Agent>(&store, &ta, kai.id.as_str()).await.unwrap();
    let n: Number = record::get(&store, &ta, number.id.as_str()).await.unwrap();
    assert_eq!(n.agent_id, None);
    assert!(n.outbound_enabled);
}

fn store_pool(store: &Store) -> &sqlx::AnyPool {
    agentline_store::test_support::pool(store)
}

async fn pagination_walks_without_gaps(engine: Engine) {
    let (store, _db) = fresh_store(engine).await.unwrap();
    let a = accounts::bootstrap(&store, new_account("A")).await.unwrap();
    let ta = Tenant::account(a.account.id.clone());
    let mut made = Vec::new();
    for i in 0..57 {
        let x = agent(&ta, &a.business.id, &format!("a{i}"));
        record::insert(store_pool(&store), &x).await.unwrap();
        made.push(x.id);
    }
    made.reverse();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = record::list::<Agent>(
            &store,
            &ta,
            &Filter::new(),
            &PageRequest { limit: 10, page: None, after: after.clone() },
        )
        .await
        .unwrap();
        seen.extend(page.items.iter().map(|a| a.id.clone()));
        if !page.has_more {
            break;
        }
        after = page.items.last().map(|a| a.id.to_string());
    }
    assert_eq!(seen, made);
    let page6 =
        record::list::<Agent>(&store, &ta, &Filter::new(), &PageRequest { limit: 10, page: Some(6), after: None })
            .await
            .unwrap();
    assert_eq!(page6.total, Some(57));
    assert_eq!(page6.items.len(), 7);
    assert!(!page6.has_more);
}

#[tokio::test]
async fn crud_and_isolation_sqlite() {
    crud_and_isolation(Engine::Sqlite).await;
}

#[tokio::test]
async fn crud_and_isolation_postgres() {
    crud_and_isolation(Engine::Postgres).await;
}

#[tokio::test]
async fn pagination_sqlite() {
    pagination_walks_without_gaps(Engine::Sqlite).await;
}

#[tokio::test]
async fn pagination_postgres() {
    pagination_walks_without_gaps(Engine::Postgres).await;
}

fn new_call(tenant: &Tenant, business: &BusinessId, start_at: Timestamp) -> NewCall {
    NewCall {
        account_id: tenant.account_id.clone(),
        business_id: business.clone(),
        agent_id: AgentId::generate(),
        agent_name: "kai".into(),
        assistant_id: Some("ext-kai".into()),
        direction: Direction::Outbound,
        mode: ApiKeyMode::Live,
        carrier: CarrierKind::Sandbox,
        carrier_call_id: None,
        from_number: PhoneNumber::parse("+14155550100").unwrap(),
        from_number_id: NumberId::generate(),
        to_number: PhoneNumber::parse("+14155550199").unwrap(),
        contact_id: None,
        name: Some("Ada".into()),
        context: None,
        variables: serde_json::json!({"plan": "gold"}).as_object().cloned().unwrap(),
        metadata: serde_json::json!({"crm": 7}).as_object().cloned().unwrap(),
        instructions: "Be brief with Ada".into(),
        first_message: Some("Hello".into()),
        voice: None,
        sandbox: None,
        voicemail: None,
        analysis_settings: None,
        webhook_url: Some("https://example.com/call".into()),
        agent_webhook_url: Some("https://example.com/agent".into()),
        max_duration_secs: 600,
        ring_timeout_secs: 30,
        start_at,
    }
}

/// A call from `Call::queued` through claiming, answer and end: the row and its events read
/// back as written, both webhook URLs get each event, and the end charges the wallet.
async fn call_lifecycle(engine: Engine) {
    let (store, _db) = fresh_store(engine).await.unwrap();
    let a = accounts::bootstrap(&store, new_account("A")).await.unwrap();
    let ta = Tenant::account(a.account.id.clone());
    let t0 = Timestamp::now();
    let call = Call::queued(new_call(&ta, &a.business.id, t0));
    let mut tx = store.begin_write().await.unwrap();
    lifecycle::insert_queued(&mut tx, &call).await.unwrap();
    tx.commit().await.unwrap();

    let stored = calls::find_unscoped(&store, call.id.as_str()).await.unwrap().unwrap();
    assert_eq!(serde_json::to_value(&stored).unwrap(), serde_json::to_value(&call).unwrap());
    assert_eq!((stored.direction.as_str(), stored.carrier.as_str()), ("outbound", "sandbox"));
    let deliveries = webhooks::claim_due(&store, Timestamp::now(), 30, 10).await.unwrap();
    let mut targets: Vec<(&str, &str)> = deliveries.iter().map(|d| (d.source.as_str(), d.url.as_str())).collect();
    targets.sort_unstable();
    assert_eq!(targets, [("agent", "https://example.com/agent"), ("call", "https://example.com/call")]);

    assert_eq!(dispatch::claim_due(&store, "node-1", Timestamp::now()).await.unwrap().len(), 1);
    assert_eq!(dispatch::concurrency(&store, &ta.account_id).await.unwrap(), (1, 0));
    lifecycle::advance(&store, &call.id, CallEvent::Answered, None, t0).await.unwrap().unwrap();
    let exposure = wallet::live_exposure(&store, &ta.account_id, t0.plus_seconds(30)).await.unwrap();
    assert_eq!(exposure, (1000, cost_cents(31, 10)));
    let ended = CallEvent::Ended(EndReason::CallerHangup);
    let ended = lifecycle::advance(&store, &call.id, ended, None, t0.plus_seconds(61)).await.unwrap().unwrap();
    assert_eq!(
        (ended.status, ended.duration_secs, ended.cost_cents),
        (CallStatus::Completed, Some(61), Some(cost_cents(61, 10)))
    );
    let left = 1000 - cost_cents(61, 10);
    assert_eq!(wallet::balance_and_rate(&store, &ta.account_id).await.unwrap(), (left, 10));

    let types: Vec<String> =
        events::events(&store, &ta, &call.id).await.unwrap().into_iter().map(|e| e.event_type).collect();
    assert_eq!(types, ["call.queued", "call.initiated", "call.answered", "call.completed"]);
    let reread = calls::find_unscoped(&store, call.id.as_str()).await.unwrap().unwrap();
    assert_eq!(serde_json::to_value(&reread).unwrap(), serde_json::to_value(&ended).unwrap());
}

/// A trunk's password is stored but only shown as `has_password`; its enums and headers round-trip.
async fn trunk_round_trip(engine: Engine) {
    let (store, _db) = fresh_store(engine).await.unwrap();
    let a = accounts::bootstrap(&store, new_account("A")).await.unwrap();
    let ta = Tenant::account(a.account.id.clone());
    let now = Timestamp::now();
    let trunk = Trunk {
        id: TrunkId::generate(),
        account_id: ta.account_id.clone(),
        name: "carrier".into(),
        host: "sip.example.com".into(),
        port: 5080,
        transport: SipTransport::Tcp,
        username: Some("user".into()),
        password: Some(SecretString::new("pw".to_owned())),
        has_password: true,
        from_domain: None,
        caller_id_mode: CallerIdMode::PAssertedIdentity,
        headers: serde_json::json!({"X-Tenant": "acme"}).as_object().cloned().unwrap(),
        created_at: now,
        updated_at: now,
    };
    record::insert(store_pool(&store), &trunk).await.unwrap();
    let got: Trunk = record::get(&store, &ta, trunk.id.as_str()).await.unwrap();
    assert_eq!(serde_json::to_value(&got).unwrap(), serde_json::to_value(&trunk).unwrap());
    assert_eq!(got.password.as_ref().map(SecretString::expose), Some("pw"));
    let bare = Trunk { id: TrunkId::generate(), password: None, ..trunk };
    record::insert(store_pool(&store), &bare).await.unwrap();
    assert!(!record::get::<Trunk>(&store, &ta, bare.id.as_str()).await.unwrap().has_password);
}

#[tokio::test]
async fn call_lifecycle_sqlite() {
    call_lifecycle(Engine::Sqlite).await;
}

#[tokio::test]
async fn call_lifecycle_postgres() {
    call_lifecycle(Engine::Postgres).await;
}

#[tokio::test]
async fn trunk_round_trip_sqlite() {
    trunk_round_trip(Engine::Sqlite).await;
}

#[tokio::test]
async fn trunk_round_trip_postgres() {
    trunk_round_trip(Engine::Postgres).await;
}

/// An account's vendor key is stored per vendor, replaced by a second put, shown only as
/// `has_api_key`, and never visible to another account.
async fn vendor_credentials_round_trip(engine: Engine) {
    use agentline_domain::vendor::Vendor;
    use agentline_store::vendors::{self, VendorCredentials};
    let (store, _db) = fresh_store(engine).await.unwrap();
    let a = accounts::bootstrap(&store, new_account("A")).await.unwrap().account.id;
    let b = accounts::bootstrap(&store, new_account("B")).await.unwrap().account.id;
    let now = Timestamp::now();
    let deepgram = VendorCredentials {
        account_id: a.clone(),
        provider: Vendor::Deepgram,
        api_key: SecretString::new("dg-a"),
        has_api_key: true,
        base_url: Some("wss://dg.example.com/v1/listen".into()),
        created_at: now,
        updated_at: now,
    };
    vendors::put(&store, &deepgram).await.unwrap();
    let replaced = VendorCredentials { api_key: SecretString::new("dg-a2"), base_url: None, ..deepgram.clone() };
    vendors::put(&store, &replaced).await.unwrap();
    vendors::put(&store, &VendorCredentials { provider: Vendor::Openai, ..deepgram.clone() }).await.unwrap();

    let got = vendors::get(&store, &a, Vendor::Deepgram).await.unwrap().unwrap();
    assert_eq!((got.api_key.expose(), got.base_url.as_deref(), got.has_api_key), ("dg-a2", None, true));
    let shown = serde_json::to_string(&got).unwrap();
    assert!(!shown.contains("dg-a2") && !format!("{got:?}").contains("dg-a2"), "{shown}");
    let listed: Vec<Vendor> = vendors::list(&store, &a).await.unwrap().iter().map(|c| c.provider).collect();
    assert_eq!(listed, [Vendor::Deepgram, Vendor::Openai]);

    assert!(vendors::get(&store, &b, Vendor::Deepgram).await.unwrap().is_none());
    assert!(vendors::list(&store, &b).await.unwrap().is_empty());
    assert!(!vendors::delete(&store, &b, Vendor::Deepgram).await.unwrap());
    assert!(vendors::delete(&store, &a, Vendor::Deepgram).await.unwrap());
    assert!(vendors::get(&store, &a, Vendor::Deepgram).await.unwrap().is_none());
}

#[tokio::test]
async fn vendor_credentials_round_trip_sqlite() {
    vendor_credentials_round_trip(Engine::Sqlite).await;
}

#[tokio::test]
async fn vendor_credentials_round_trip_postgres() {
    vendor_credentials_round_trip(Engine::Postgres).await;
}
