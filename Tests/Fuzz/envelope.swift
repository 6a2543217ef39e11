import CityGridModel
import Foundation

/// Fuzz target `envelope`: any bytes as a message body, through the envelope and every contract
/// decoder the consumers use, and through the NUL scan the HTTP decoder runs first. Each must
/// answer a value or an error, never crash; and a message that decodes must encode and decode
/// again to the same bytes (what a service accepts, it can also write).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEnvelope(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Data(bytes: data, count: size)
    _ = StorableText.fieldsWithNUL(inJSON: body)
    roundTrip(CaseReported.self, body)
    roundTrip(DuplicateLinked.self, body)
    roundTrip(CaseLocated.self, body)
    roundTrip(ManualDispatchRequired.self, body)
    roundTrip(CaseFiled.self, body)
    roundTrip(TaskDispatched.self, body)
    roundTrip(VerificationRequested.self, body)
    roundTrip(CaseTransitioned.self, body)
    roundTrip(TaskUpdated.self, body)
    roundTrip(TaskNotice.self, body)
    roundTrip(HotlineReport.self, body)
    roundTrip(ReferenceDataChanged.self, body)
    roundTrip(ReturnVisitRecorded.self, body)
    roundTrip(ChannelNotice.self, body)
    roundTrip(RepeatFound.self, body)
    roundTrip(TaskCommand.self, body)
    roundTrip(ReturnVisitReport.self, body)
    return 0
}

func roundTrip<Payload: Codable & Sendable>(_ type: Payload.Type, _ body: Data) {
    let decoder = MessageCoding.decoder()
    guard let envelope = try? decoder.decode(Envelope<Payload>.self, from: body) else { return }
    let encoder = MessageCoding.encoder()
    guard let once = try? encoder.encode(envelope) else { fatalError("\(Payload.self): decoded but cannot be encoded") }
    guard let again = try? decoder.decode(Envelope<Payload>.self, from: once) else {
        fatalError("\(Payload.self): its own encoding does not decode: \(String(decoding: once, as: UTF8.self))")
    }
    guard let twice = try? encoder.encode(again), twice == once else {
        fatalError("\(Payload.self): encoding is not stable: \(String(decoding: once, as: UTF8.self))")
    }
}
