//! Both pagination styles walk a 1,000-item list without gaps or repeats.

use crate::access::phone;
use crate::helpers::{Engine, spawn_app};
use crate::on_both_engines;
use agentline_domain::{AccountId, BusinessId, ContactId, PhoneNumber, Timestamp};
use agentline_store::contacts::Contact;
use serde_json::Value;
use std::collections::HashSet;

on_both_engines!(both_styles_walk_a_thousand_contacts);

fn ids(body: &Value) -> Vec<String> {
    body["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
}

async fn both_styles_walk_a_thousand_contacts(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    // Seed straight into the store in one transaction: the walk, not the writes, is under test.
    let mut tx = app.store.begin_write().await.unwrap();
    let mut made = Vec::new();
    for i in 0..1000 {
        let now = Timestamp::now();
        let contact = Contact {
            id: ContactId::generate(),
            account_id: AccountId::parse(&acct.account_id).unwrap(),
            business_id: BusinessId::parse(&acct.business_id).unwrap(),
            external_id: None,
            name: Some(format!("c{i}")),
            phone_number: PhoneNumber::parse(&phone(i)).unwrap(),
            email: None,
            timezone: None,
            lead_score: None,
            lead_status: Some(if i % 3 == 0 { "hot" } else { "cold" }.into()),
            lead_source: None,
            custom_fields: Default::default(),
            interaction_count: 0,
            created_at: now,
            updated_at: now,
        };
        agentline_store::record::insert(&mut *tx, &contact).await.unwrap();
        made.push(contact.id.to_string());
    }
    tx.commit().await.unwrap();
    made.reverse();

    let mut walked = Vec::new();
    let mut path = "/v1/contacts?limit=37".to_owned();
    loop {
        let body = app.get(&path, &acct.key).await.assert_status(200).clone();
        walked.extend(ids(&body));
        if body["has_more"] == false {
            assert!(body["next_cursor"].is_null());
            break;
        }
        path = format!("/v1/contacts?limit=37&after={}", body["next_cursor"].as_str().unwrap());
    }
    assert_eq!(walked, made, "cursor walk is newest first with no gaps or repeats");

    let mut paged = Vec::new();
    for page in 1..=28 {
        let body = app.get(&format!("/v1/contacts?page={page}&limit=37"), &acct.key).await.assert_status(200).clone();
        assert_eq!(
            (body["count"].as_u64(), body["pages"].as_u64(), body["page"].as_u64()),
            (Some(1000), Some(28), Some(page))
        );
        assert_eq!(body["has_more"], page < 28);
        paged.extend(ids(&body));
    }
    assert_eq!(paged, made, "page walk matches");
    let beyond = app.get("/v1/contacts?page=29&limit=37", &acct.key).await;
    assert_eq!(beyond.body["data"], serde_json::json!([]));

    let mut hot = HashSet::new();
    let mut path = "/v1/contacts?lead_status=hot&limit=100".to_owned();
    loop {
        let body = app.get(&path, &acct.key).await.body;
        assert!(body["data"].as_array().unwrap().iter().all(|c| c["lead_status"] == "hot"));
        for id in ids(&body) {
            assert!(hot.insert(id), "no repeats");
        }
        match body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/contacts?lead_status=hot&limit=100&after={cursor}"),
            None => break,
        }
    }
    assert_eq!(hot.len(), 334);
}
