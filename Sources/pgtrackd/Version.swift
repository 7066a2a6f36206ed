let pgtrackVersion = "0.1.0"
