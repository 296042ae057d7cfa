//! Names the unnamed subgraphs of an ONNX model, so ONNX Runtime accepts the model it wrote itself.
//!
//! ONNX Runtime saves the decoder's `If` branches (converted from the `.ort` file, see `fold.rs`) with empty
//! graph names, and then refuses to load the file (`Field 'name' of 'graph' is required to be non-empty`). The
//! fix touches a handful of fields of the protobuf wire format, so it is done here on the bytes rather than by
//! pulling a protobuf code generator and ONNX's schema into the build: every field is copied as it is except
//! the path model → graph → node → attribute → graph, whose graphs get a name when they have none.

/// `ModelProto.graph`.
const MODEL_GRAPH: u64 = 7;
/// `GraphProto.node` and `GraphProto.name`.
const GRAPH_NODE: u64 = 1;
const GRAPH_NAME: u64 = 2;
/// `NodeProto.attribute`.
const NODE_ATTRIBUTE: u64 = 5;
/// `AttributeProto.g` and `AttributeProto.graphs`.
const ATTRIBUTE_GRAPH: u64 = 6;
const ATTRIBUTE_GRAPHS: u64 = 11;

const VARINT: u64 = 0;
const FIXED64: u64 = 1;
const LENGTH_DELIMITED: u64 = 2;
const FIXED32: u64 = 5;

/// The serialized `ModelProto` with every unnamed (sub)graph named `subgraph_<n>`; `None` when the bytes are not
/// a well-formed protobuf message.
pub(crate) fn name_subgraphs(model: &[u8]) -> Option<Vec<u8>> {
    let mut counter = 0;
    rewrite(model, &mut counter, &|number, payload, counter| match number {
        MODEL_GRAPH => Some(graph(payload, counter)),
        _ => None,
    })
}

/// What a message's length-delimited field becomes: `None` to copy it unchanged, else its new payload
/// (`Some(None)` when the field's payload is malformed).
type Rule<'r> = dyn Fn(u64, &[u8], &mut u32) -> Option<Option<Vec<u8>>> + 'r;

/// The graph with its nodes' subgraphs named, and itself named if it has no name; `None` when malformed.
fn graph(bytes: &[u8], counter: &mut u32) -> Option<Vec<u8>> {
    let mut out = rewrite(bytes, counter, &|number, payload, counter| match number {
        GRAPH_NODE => Some(node(payload, counter)),
        _ => None,
    })?;
    if !has_name(bytes)? {
        *counter += 1;
        let name = format!("subgraph_{counter}");
        write_field(&mut out, GRAPH_NAME, name.as_bytes());
    }
    Some(out)
}

fn node(bytes: &[u8], counter: &mut u32) -> Option<Vec<u8>> {
    rewrite(bytes, counter, &|number, payload, counter| match number {
        NODE_ATTRIBUTE => Some(attribute(payload, counter)),
        _ => None,
    })
}

fn attribute(bytes: &[u8], counter: &mut u32) -> Option<Vec<u8>> {
    rewrite(bytes, counter, &|number, payload, counter| match number {
        ATTRIBUTE_GRAPH | ATTRIBUTE_GRAPHS => Some(graph(payload, counter)),
        _ => None,
    })
}

/// Whether the graph has a non-empty name.
fn has_name(graph: &[u8]) -> Option<bool> {
    let mut named = false;
    for field in Fields::new(graph) {
        let field = field?;
        named |= field.number == GRAPH_NAME && field.wire == LENGTH_DELIMITED && !field.payload.is_empty();
    }
    Some(named)
}

/// Copies `message`, replacing the length-delimited fields `rule` rewrites. `None` on malformed input (the rule
/// signals a malformed submessage with `Some(None)`).
fn rewrite(message: &[u8], counter: &mut u32, rule: &Rule<'_>) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(message.len() + 64);
    for field in Fields::new(message) {
        let field = field?;
        match (field.wire == LENGTH_DELIMITED).then(|| rule(field.number, field.payload, counter)).flatten() {
            Some(new_payload) => write_field(&mut out, field.number, &new_payload?),
            None => out.extend_from_slice(field.whole),
        }
    }
    Some(out)
}

fn write_field(out: &mut Vec<u8>, number: u64, payload: &[u8]) {
    write_varint(out, number << 3 | LENGTH_DELIMITED);
    write_varint(out, payload.len() as u64);
    out.extend_from_slice(payload);
}

fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// One field of a message: its number, wire type, payload (the bytes of a length-delimited field) and all its
/// bytes (key included).
struct Field<'a> {
    number: u64,
    wire: u64,
    payload: &'a [u8],
    whole: &'a [u8],
}

/// The fields of a message in order; an `Err`-like `None` item on malformed input.
struct Fields<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.pos)?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Some(value);
            }
        }
        None
    }

    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(len).filter(|&end| end <= self.bytes.len())?;
        let taken = &self.bytes[self.pos..end];
        self.pos = end;
        Some(taken)
    }

    fn field(&mut self) -> Option<Field<'a>> {
        let start = self.pos;
        let key = self.varint()?;
        let (number, wire) = (key >> 3, key & 7);
        let payload = match wire {
            VARINT => self.varint().map(|_| &[][..])?,
            FIXED64 => self.take(8)?,
            LENGTH_DELIMITED => {
                let len = usize::try_from(self.varint()?).ok()?;
                self.take(len)?
            }
            FIXED32 => self.take(4)?,
            _ => return None,
        };
        Some(Field { number, wire, payload, whole: &self.bytes[start..self.pos] })
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Option<Field<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.bytes.len() {
            return None;
        }
        let field = self.field();
        if field.is_none() {
            // Malformed: report once, then stop.
            self.pos = self.bytes.len();
        }
        Some(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(fields: &[(u64, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (number, payload) in fields {
            write_field(&mut out, *number, payload);
        }
        out
    }

    fn names(graph: &[u8]) -> Vec<String> {
        let fields = Fields::new(graph).map(Option::unwrap);
        fields.filter(|f| f.number == GRAPH_NAME).map(|f| String::from_utf8(f.payload.to_vec()).unwrap()).collect()
    }

    fn only(message: &[u8], number: u64) -> Vec<u8> {
        Fields::new(message).map(Option::unwrap).find(|f| f.number == number).unwrap().payload.to_vec()
    }

    #[test]
    fn names_the_branches_of_an_if_and_keeps_named_graphs() {
        let unnamed_branch = message(&[(GRAPH_NODE, &message(&[]))]);
        let named_branch = message(&[(GRAPH_NAME, b"kept")]);
        let attributes = [message(&[(ATTRIBUTE_GRAPH, &unnamed_branch)]), message(&[(ATTRIBUTE_GRAPH, &named_branch)])];
        let if_node = message(&[(NODE_ATTRIBUTE, &attributes[0]), (NODE_ATTRIBUTE, &attributes[1])]);
        let main = message(&[(GRAPH_NODE, &if_node), (GRAPH_NAME, b"main")]);
        let mut model = vec![0x08, 0x07]; // ir_version = 7, a varint field to be copied
        model.extend(message(&[(MODEL_GRAPH, &main)]));

        let fixed = name_subgraphs(&model).unwrap();
        assert_eq!(&fixed[..2], &[0x08, 0x07]);
        let main = only(&fixed, MODEL_GRAPH);
        assert_eq!(names(&main), ["main"]);
        let if_node = only(&main, GRAPH_NODE);
        let branches: Vec<Vec<u8>> = Fields::new(&if_node)
            .map(Option::unwrap)
            .map(|attribute| only(attribute.payload, ATTRIBUTE_GRAPH))
            .collect();
        assert_eq!(names(&branches[0]), ["subgraph_1"]);
        assert_eq!(names(&branches[1]), ["kept"]);
    }

    #[test]
    fn refuses_truncated_input() {
        let model = message(&[(MODEL_GRAPH, &message(&[(GRAPH_NAME, b"main")]))]);
        assert!(name_subgraphs(&model[..model.len() - 1]).is_none());
        assert!(name_subgraphs(&[0x0f]).is_none(), "wire type 7 does not exist");
        assert_eq!(name_subgraphs(&[]), Some(Vec::new()));
    }
}
