using Tendril.Ebpf.Links;
using Tendril.Interop;
using Tendril.Interop.Namespaces;
using Tendril.Tests.Common.SelfTest;

// Usage: tcx-pin NETNS_PATH IFNAME PIN_DIR
// Loads the self-test object with its maps pinned under PIN_DIR, attaches selftest_tc at tcx ingress of IFNAME
// inside NETNS_PATH, pins the link at PIN_DIR/link, prints "link <id> program <id>" and exits without detaching.
if (args.Length != 4 || args[0] != "tcx-pin")
{
    Console.Error.WriteLine("usage: Tendril.Ebpf.TestPeer tcx-pin NETNS_PATH IFNAME PIN_DIR");
    return 2;
}
string netns = args[1], ifname = args[2], pinDir = args[3];

var spec = SelfTestObject.Spec();
spec.PinMapsUnder(pinDir);
using var collection = spec.Load();
using var ns = NetNsThread.Start(netns);
var link = ns.Invoke(() => Link.AttachTcx(collection.GetProgram(SelfTestObject.TcProgram),
    new TcxOptions(LinuxSystem.InterfaceIndex(ifname), TcxDirection.Ingress, ifname)));
link.Pin(Path.Combine(pinDir, "link"));
Console.WriteLine($"link {link.Id} program {link.ProgramId}");
link.Dispose();
return 0;
