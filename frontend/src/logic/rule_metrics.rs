//! The push-metrics test form of a rule: usage percentages as typed, checked before sending.

use api_types::MetricsPush;

/// The metrics to push, or why they cannot be sent. Blank fields are left out; at least one
/// is needed, and each is a percentage (0–100).
pub fn metrics_push(cpu: &str, memory: &str) -> Result<MetricsPush, String> {
    let cpu = usage("CPU", cpu)?;
    let memory = usage("Memory", memory)?;
    if cpu.is_none() && memory.is_none() {
        return Err("Enter the CPU or the memory usage, or both".to_owned());
    }
    Ok(MetricsPush { cpu, memory, at: None })
}

fn usage(label: &str, text: &str) -> Result<Option<f64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.trim_end_matches('%').trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=100.0).contains(&v) => Ok(Some(v)),
        _ => Err(format!("{label} usage must be a percentage, 0 to 100")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_fields_are_left_out() {
        assert_eq!(metrics_push("91", ""), Ok(MetricsPush { cpu: Some(91.0), memory: None, at: None }));
        assert_eq!(metrics_push(" ", "42.5%"), Ok(MetricsPush { cpu: None, memory: Some(42.5), at: None }));
    }

    #[test]
    fn something_valid_is_needed() {
        assert_eq!(metrics_push("", ""), Err("Enter the CPU or the memory usage, or both".to_owned()));
        assert_eq!(metrics_push("120", ""), Err("CPU usage must be a percentage, 0 to 100".to_owned()));
        assert_eq!(metrics_push("1", "lots"), Err("Memory usage must be a percentage, 0 to 100".to_owned()));
    }
}
