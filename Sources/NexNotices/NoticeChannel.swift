/// The topic family a notice travels on (docs/NOTICES.md, topic taxonomy): the first token of its
/// topic, which decides the workflow rules its document meets (D55, D59).
public enum NoticeChannel: String, Sendable, CaseIterable {
    /// `request.<kind>.<country>`: an NCB asks the General Secretariat for a notice.
    case request
    /// `notice.<kind>.<country>`: a notice the General Secretariat published after review.
    case notice
    /// `alert.<area>.<region>`: a thematic orange or purple alert.
    case alert
    /// `diffusion.<from-country>`: a diffusion from an NCB to chosen countries.
    case diffusion
    /// `hit.<owner-country>.<check-country>`: a border-control match (D60).
    case hit
    /// `decision.<requesting-country>`: the General Secretariat's decision on a request (D59).
    case decision
    /// `sltd.<issuing-country>`: lost or stolen travel document records of that country (D62).
    case sltd
    /// `reply.<check-country>`: NCBs' answers to a border post's hit, addressed to that post (D63).
    case reply
}
