import Foundation

/// The statutory public holidays of 《全国年节及纪念日放假办法》 as revised in 2024 (in force from
/// 1 January 2025): the days every year has off before the State Council's yearly notice adds its
/// bridging days (调休) and make-up working days.
///
/// A year without a notice in the reference data is *provisional*: these days off, ordinary
/// weekends, nothing moved and nothing bridged. Lunar dates come from Foundation's Chinese
/// calendar; Qingming is the day (Beijing time) on which the sun reaches 15° of apparent
/// ecliptic longitude.
public enum StatutoryHolidays {
    /// The first year the 2024 revision governs. Earlier years had other statutory days
    /// (no 除夕, one day for 劳动节), so they are never filled in provisionally.
    public static let firstYear = 2025
    /// The rule set's identifier, part of every provisional year's version.
    public static let rulesIdentifier = "全国年节及纪念日放假办法(2024)"

    /// The statutory days off of `year`, in date order.
    /// - Returns: `nil` for a year before ``firstYear`` or one Foundation cannot convert.
    public static func days(of year: Int, timeZone: TimeZone) -> [CalendarEntry]? {
        guard year >= firstYear, let newYear = lunarDate(year: year, month: 1, day: 1, timeZone: timeZone),
              let dragonBoat = lunarDate(year: year, month: 5, day: 5, timeZone: timeZone),
              let midAutumn = lunarDate(year: year, month: 8, day: 15, timeZone: timeZone),
              let qingming = qingming(year: year, timeZone: timeZone),
              let newYearsDay = CivilDate(year: year, month: 1, day: 1),
              let mayDay = CivilDate(year: year, month: 5, day: 1),
              let nationalDay = CivilDate(year: year, month: 10, day: 1)
        else { return nil }
        var days = [
            CalendarEntry(date: newYearsDay, type: .holiday, name: "元旦"),
            CalendarEntry(date: newYear.adding(days: -1), type: .holiday, name: "春节(除夕)"),
        ]
        days += (0..<3).map { CalendarEntry(date: newYear.adding(days: $0), type: .holiday, name: "春节") }
        days.append(CalendarEntry(date: qingming, type: .holiday, name: "清明节"))
        days += (0..<2).map { CalendarEntry(date: mayDay.adding(days: $0), type: .holiday, name: "劳动节") }
        days.append(CalendarEntry(date: dragonBoat, type: .holiday, name: "端午节"))
        days.append(CalendarEntry(date: midAutumn, type: .holiday, name: "中秋节"))
        days += (0..<3).map { CalendarEntry(date: nationalDay.adding(days: $0), type: .holiday, name: "国庆节") }
        return days.sorted { $0.date < $1.date }
    }

    /// The Gregorian date of lunar `month`-`day` (not a leap month) of the lunar year whose first
    /// day falls in Gregorian `year`.
    static func lunarDate(year: Int, month: Int, day: Int, timeZone: TimeZone) -> CivilDate? {
        var chinese = Foundation.Calendar(identifier: .chinese)
        chinese.timeZone = timeZone
        var gregorian = Foundation.Calendar(identifier: .gregorian)
        gregorian.timeZone = timeZone
        // Lunar new year lies between 21 January and 20 February, so 1 March is always in the
        // lunar year that began in `year`.
        guard let march = gregorian.date(from: DateComponents(year: year, month: 3, day: 1)) else { return nil }
        let lunarYear = chinese.dateComponents([.era, .year], from: march)
        var wanted = DateComponents()
        wanted.era = lunarYear.era
        wanted.year = lunarYear.year
        wanted.month = month
        wanted.day = day
        wanted.isLeapMonth = false
        guard let instant = chinese.date(from: wanted) else { return nil }
        let parts = gregorian.dateComponents([.year, .month, .day], from: instant)
        guard let y = parts.year, let m = parts.month, let d = parts.day else { return nil }
        return CivilDate(year: y, month: m, day: d)
    }

    // MARK: Qingming (the solar term 清明)

    /// The local date on which the sun's apparent longitude reaches 15°.
    public static func qingming(year: Int, timeZone: TimeZone) -> CivilDate? {
        guard let april5 = CivilDate(year: year, month: 4, day: 5), let moment = solarTermMoment(longitude: 15, near: april5) else { return nil }
        let local = moment.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: moment))
        return CivilDate(dayNumber: Int((local / 86_400).rounded(.down)))
    }

    /// The instant (UTC) at which the sun's apparent ecliptic longitude equals `longitude`
    /// degrees, searched near `date`.
    ///
    /// Uses the low-accuracy solar coordinates of Meeus, *Astronomical Algorithms*, ch. 25
    /// (about 0.01°, i.e. within a quarter of an hour), refined by Newton steps.
    static func solarTermMoment(longitude target: Double, near date: CivilDate) -> Date? {
        // Julian day of 00:00 UTC on `date`; 1970-01-01 is JD 2440587.5.
        var jd = Double(date.dayNumber) + 2_440_587.5
        for _ in 0..<8 {
            var difference = (target - apparentSolarLongitude(julianDay: jd)).truncatingRemainder(dividingBy: 360)
            if difference > 180 { difference -= 360 }
            if difference < -180 { difference += 360 }
            jd += difference / 360 * 365.242_19
            if abs(difference) < 1e-7 { break }
        }
        guard jd.isFinite else { return nil }
        return Date(timeIntervalSince1970: (jd - 2_440_587.5) * 86_400)
    }

    /// Apparent geocentric longitude of the sun in degrees, for a Julian day in UT. Terrestrial
    /// time runs about 69 s ahead of UT in these years; the difference moves the result by less
    /// than 0.001°.
    static func apparentSolarLongitude(julianDay: Double) -> Double {
        let deltaT = 69.0 / 86_400
        let t = (julianDay + deltaT - 2_451_545.0) / 36_525
        let l0 = 280.466_46 + 36_000.769_83 * t + 0.000_303_2 * t * t
        let m = (357.529_11 + 35_999.050_29 * t - 0.000_153_7 * t * t) * .pi / 180
        let c = (1.914_602 - 0.004_817 * t - 0.000_014 * t * t) * sin(m)
            + (0.019_993 - 0.000_101 * t) * sin(2 * m) + 0.000_289 * sin(3 * m)
        let omega = (125.04 - 1_934.136 * t) * .pi / 180
        let apparent = l0 + c - 0.005_69 - 0.004_78 * sin(omega)
        let wrapped = apparent.truncatingRemainder(dividingBy: 360)
        return wrapped < 0 ? wrapped + 360 : wrapped
    }
}
