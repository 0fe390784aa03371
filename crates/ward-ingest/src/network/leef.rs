//! IBM QRadar LEEF over syslog: `LEEF:1.0|Vendor|Product|Version|EventID|k=v<TAB>k=v` and
//! `LEEF:2.0|…|EventID|delimiter|k=v…` (the delimiter one character, or `xHH`). Header columns
//! become `leef.*` fields; attributes keep their names and the network ones also get the common
//! names (the CEF reader's table: `src`, `dst`, `srcPort`, `dstPort`, `proto`, `usrName`, …).
//! PAN-OS, Sophos and Fortinet can all send it.

use super::Message;
use super::cef;
use super::record::RecordBuilder;

/// True when the message holds a LEEF header.
pub(crate) fn looks_like(msg: &str) -> bool {
    msg.find("LEEF:")
        .and_then(|i| msg.get(i + 5..))
        .is_some_and(|rest| rest.starts_with("1.0|") || rest.starts_with("2.0|"))
}

/// The attribute delimiter a LEEF 2.0 header names.
fn delimiter(spec: &str) -> Option<char> {
    match spec.strip_prefix("x").or_else(|| spec.strip_prefix("0x")) {
        Some(hex) if !hex.is_empty() => u8::from_str_radix(hex, 16).ok().map(char::from),
        _ => spec.chars().next(),
    }
}

/// Fills `rec` from one LEEF record.
pub(crate) fn parse<'a>(msg: &'a str, rec: &mut RecordBuilder) -> Result<Message<'a>, String> {
    let start = msg.find("LEEF:").ok_or("no LEEF: header")?;
    let body = msg.get(start + 5..).unwrap_or("");
    let mut cols = body.splitn(6, '|');
    let version = cols.next().unwrap_or("");
    let (Some(vendor), Some(product), Some(dev_version), Some(event_id)) =
        (cols.next(), cols.next(), cols.next(), cols.next())
    else {
        return Err("LEEF header with fewer than five columns".into());
    };
    let mut rest = cols.next().unwrap_or("");
    let mut delim = '\t';
    if version == "2.0"
        && let Some((spec, attrs)) = rest.split_once('|')
        && spec.len() <= 4
    {
        delim = delimiter(spec).ok_or("bad LEEF 2.0 delimiter")?;
        rest = attrs;
    }
    rec.text("leef.version", version);
    rec.text("leef.vendor", vendor);
    rec.text("leef.product", product);
    rec.text("leef.product_version", dev_version);
    rec.text("leef.event_id", event_id);
    let pairs: Vec<(String, String)> = rest
        .split(delim)
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| !k.is_empty())
        .collect();
    let time = cef::add_pairs(&pairs, rec);
    Ok(Message { device: "", time })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Hand-made from IBM's LEEF 1.0/2.0 format guide (no public sample in ../shared/data).
    #[test]
    fn leef_1_and_2() {
        let v1 = "LEEF:1.0|Palo Alto Networks|PAN-OS Syslog Integration|10.1|allow|cat=TRAFFIC\tsrc=10.1.1.5\tdst=203.0.113.9\tsrcPort=50000\tdstPort=443\tproto=tcp\tusrName=nurse1\tdevTime=Jan 10 2024 10:00:00\taction=allow";
        assert!(looks_like(v1));
        let mut rec = RecordBuilder::new();
        let m = parse(v1, &mut rec).unwrap();
        assert_eq!(m.time.unwrap().to_rfc3339(), "2024-01-10T10:00:00Z");
        assert_eq!(rec.get_str("dst_ip"), Some("203.0.113.9"));
        assert_eq!(
            rec.fields.get("dst_port").and_then(|v| v.as_i64()),
            Some(443)
        );
        assert_eq!(rec.get_str("user"), Some("nurse1"));
        assert_eq!(rec.get_str("action"), Some("allow"));
        let v2 = "LEEF:2.0|Sophos|XG|19.0|Firewall|^|src=10.0.0.7^dst=10.0.0.9^dstPort=445^proto=6^action=Denied";
        let mut rec = RecordBuilder::new();
        parse(v2, &mut rec).unwrap();
        assert_eq!(rec.get_str("protocol"), Some("tcp"));
        assert_eq!(rec.get_str("action"), Some("block"));
        let hex = "LEEF:2.0|V|P|1|E|x09|src=1.2.3.4\tdst=5.6.7.8";
        let mut rec = RecordBuilder::new();
        parse(hex, &mut rec).unwrap();
        assert_eq!(rec.get_str("dst_ip"), Some("5.6.7.8"));
        assert!(parse("LEEF:1.0|only", &mut RecordBuilder::new()).is_err());
    }
}
