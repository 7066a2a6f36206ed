import PGTrackCore

/// The engine's events are kept in the ledger: each `append` is committed before it returns.
extension Ledger: EventStore {}
