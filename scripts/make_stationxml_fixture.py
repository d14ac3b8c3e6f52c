"""Writes Tests/Fixtures/stationxml/: an FDSN StationXML inventory written by ObsPy, and the
instrument sensitivities ObsPy's read_inventory gives for it (expected.json), which the Swift
reader (SeismicIO Inventory) must match. Run with the project's .venv (make deps)."""
import json
import pathlib

from obspy import UTCDateTime, read_inventory
from obspy.core.inventory import Channel, Inventory, InstrumentSensitivity, Network, Response, Site, Station

out = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "stationxml"
out.mkdir(parents=True, exist_ok=True)


def channel(code, loc, start, end, value, units, azimuth):
    c = Channel(code=code, location_code=loc, latitude=34.1, longitude=-118.2, elevation=290.0, depth=0.0,
                azimuth=azimuth, dip=-90.0 if code.endswith("Z") else 0.0, sample_rate=100.0,
                start_date=UTCDateTime(start), end_date=UTCDateTime(end) if end else None)
    c.response = Response(instrument_sensitivity=InstrumentSensitivity(
        value=value, frequency=1.0, input_units=units, output_units="COUNTS"))
    return c


stations = []
# An accelerometer with two epochs (its sensitivity changed on 2019-01-01) and a broadband seismometer (velocity).
pasc = Station(code="PASC", latitude=34.1, longitude=-118.2, elevation=290.0, site=Site(name="Pasadena"))
for comp, az in (("Z", 0.0), ("N", 0.0), ("E", 90.0)):
    pasc.channels.append(channel("HN" + comp, "", "2010-01-01", "2019-01-01", 213909.0, "M/S**2", az))
    pasc.channels.append(channel("HN" + comp, "", "2019-01-01", None, 427819.0 + (1000.0 if comp == "E" else 0.0), "M/S**2", az))
    pasc.channels.append(channel("HH" + comp, "", "2010-01-01", None, 6.27e8, "M/S", az))
stations.append(pasc)
# A MEMS station with a location code and a channel without a response (left out).
mems = Station(code="W21B", latitude=24.0, longitude=121.6, elevation=20.0, site=Site(name="Hualien"))
for comp, az in (("Z", 0.0), ("1", 10.0), ("2", 100.0)):
    mems.channels.append(channel("HL" + comp, "00", "2020-06-01T00:00:00", None, 1.6e5 if comp != "Z" else 1.7e5, "m/s**2", az))
bare = Channel(code="LDO", location_code="30", latitude=24.0, longitude=121.6, elevation=20.0, depth=0.0,
               start_date=UTCDateTime("2020-06-01"))
mems.channels.append(bare)
inv = Inventory(networks=[Network(code="CI", stations=[pasc]), Network(code="TW", stations=[mems])], source="SeismicTorch fixture")
path = out / "inventory.xml"
inv.write(str(path), format="STATIONXML")

expected = []
for net in read_inventory(str(path)):
    for sta in net:
        for cha in sta:
            s = cha.response.instrument_sensitivity if cha.response else None
            if s is None:
                continue
            expected.append({
                "id": f"{net.code}.{sta.code}.{cha.location_code}.{cha.code}",
                "start": cha.start_date.timestamp, "end": cha.end_date.timestamp if cha.end_date else None,
                "value": s.value, "frequency": s.frequency, "input_units": s.input_units,
            })
(out / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
print(f"wrote {path} and expected.json ({len(expected)} channel epochs)")
