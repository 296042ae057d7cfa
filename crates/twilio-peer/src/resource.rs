//! The Call resource as Twilio's REST API returns it (the fields agentline may read, in Twilio's
//! names and formats: RFC 2822 dates, `duration` as a string of seconds).

use crate::callbacks::API_VERSION;
use crate::calls::CallSnapshot;
use crate::clock::rfc2822;
use serde_json::{Value, json};

/// The JSON of `call` in the account `account_sid`.
pub(crate) fn call_resource(account_sid: &str, call: &CallSnapshot) -> Value {
    let uri = format!("/{API_VERSION}/Accounts/{account_sid}/Calls/{}.json", call.sid);
    let subresource = |name: &str| format!("/{API_VERSION}/Accounts/{account_sid}/Calls/{}/{name}.json", call.sid);
    json!({
        "sid": call.sid,
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "to": call.to,
        "to_formatted": call.to,
        "from": call.from,
        "from_formatted": call.from,
        "status": call.status,
        "direction": call.direction,
        "date_created": rfc2822(call.created_at),
        "date_updated": rfc2822(call.ended_at.or(call.answered_at).unwrap_or(call.created_at)),
        "start_time": call.answered_at.map(rfc2822),
        "end_time": call.ended_at.map(rfc2822),
        "duration": call.duration_secs.map(|secs| secs.to_string()),
        "answered_by": null,
        "annotation": null,
        "caller_name": null,
        "forwarded_from": null,
        "group_sid": null,
        "parent_call_sid": null,
        "phone_number_sid": null,
        "price": null,
        "price_unit": "USD",
        "queue_time": "0",
        "trunk_sid": null,
        "uri": uri,
        "subresource_uris": {
            "notifications": subresource("Notifications"),
            "recordings": subresource("Recordings"),
            "streams": subresource("Streams"),
            "events": subresource("Events"),
        },
    })
}
