//! Whether sinks kept writing while another was down: the fault tests sample each sink's
//! `livekit_analytics_sink_written_total` once a second and require it to grow in every
//! window of a given length.

/// Asserts that every sink of `sinks` wrote something in every `window` consecutive seconds
/// of `written` (one row of counts a second, a column per sink in the order of `sinks`).
pub fn assert_no_stall(sinks: &[&str], written: &[Vec<f64>], window: usize) {
    for (position, sink) in sinks.iter().enumerate() {
        for samples in written.windows(window + 1) {
            let (first, last) = (samples[0][position], samples[window][position]);
            assert!(
                last > first,
                "{sink} wrote nothing for {window} s during the outage ({first} → {last})"
            );
        }
    }
}
