//! The errors each dialect's paths answer, added to every one of its operations in the OpenAPI
//! document: the statuses the translation over `/v1` can give, in that seed's error shape.

use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, RefOr};

/// How a seed writes an error body.
#[derive(Clone, Copy, Debug)]
pub(super) enum Shape {
    /// `{"error": "code", "message": "…"}` (Klen).
    Flat,
    /// `{"error": {"code": "…", "message": "…"}}` (the others; AgentPhone adds `detail` on 422).
    Nested,
}

/// Statuses any dialect operation may answer besides its success.
const STATUSES: [(u16, &str); 10] = [
    (400, "The request is not valid"),
    (401, "No key, or a key that is not valid"),
    (403, "The key may not do this"),
    (404, "No such resource, or no such route"),
    (405, "The path does not take this method"),
    (409, "The resource is not in a state that allows this"),
    (413, "The body is too large"),
    (415, "The body is not JSON"),
    (422, "The body's fields are not valid (AgentPhone)"),
    (429, "Over the rate limit; see Retry-After"),
];

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn body(shape: Shape) -> Schema {
    let error = match shape {
        Shape::Flat => string().into(),
        Shape::Nested => Schema::Object(
            ObjectBuilder::new()
                .property("code", string())
                .property("message", string())
                .required("code")
                .required("message")
                .build(),
        ),
    };
    let mut object = ObjectBuilder::new().property("error", error).required("error");
    if matches!(shape, Shape::Flat) {
        object = object.property("message", string()).required("message");
    }
    Schema::Object(object.build())
}

fn add_to(operation: &mut Operation, shape: Shape) {
    for (status, description) in STATUSES {
        let content = ContentBuilder::new().schema(Some(body(shape))).build();
        let response = ResponseBuilder::new().description(description).content("application/json", content).build();
        operation.responses.responses.entry(status.to_string()).or_insert(RefOr::T(response));
    }
}

/// Adds the error responses to every operation under `base` in `document`.
pub(super) fn document(document: &mut OpenApi, base: &str, shape: Shape) {
    for (path, item) in &mut document.paths.paths {
        if !path.starts_with(base) {
            continue;
        }
        let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for operation in operations.into_iter().flatten() {
            add_to(operation, shape);
        }
    }
}
