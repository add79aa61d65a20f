//! The postgres destination of livekit-analytics (being built: see the sink-postgres issue).
