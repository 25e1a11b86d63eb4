//! A cloudevent function: `FUNC_NAME=receive FUNC_SIGNATURE_TYPE=cloudevent`.

use cloudevents::{AttributesReader, Data, Event};

pub async fn receive(event: Event) -> Result<(), String> {
    let data = match event.data() {
        Some(Data::Json(value)) => value.clone(),
        Some(Data::Binary(bytes)) => serde_json::from_slice(bytes).map_err(|error| error.to_string())?,
        Some(Data::String(text)) => serde_json::from_str(text).map_err(|error| error.to_string())?,
        None => serde_json::Value::Null,
    };
    let (Some(item), Some(quantity)) = (data["item"].as_str(), data["quantity"].as_u64()) else {
        return Err(format!("the event holds no order: {data}"));
    };
    eprintln!("received {} {} from {}: {quantity} x {item}", event.ty(), event.id(), event.source());
    Ok(())
}
