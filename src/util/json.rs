//! Numbers in JSON output.

use serde_json::{json, Value};

/// Integral floats print as integers (`5`, not `5.0`).
pub fn num(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}
