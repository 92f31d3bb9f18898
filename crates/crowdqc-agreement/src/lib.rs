//! crowdqc-agreement (work in progress).
