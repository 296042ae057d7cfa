//! The carriers a call can go through. Each one runs a dialled call on a task of its own and
//! speaks only the leg vocabulary (`crate::leg`): signals up, controls down. None of them writes
//! to the store; what their media leaves behind goes up with the leg's end.

mod answering_machine;
pub mod sandbox;
pub mod sip;
pub mod twilio;
