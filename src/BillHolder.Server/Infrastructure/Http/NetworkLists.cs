using System.Net;

namespace BillHolder.Server.Infrastructure.Http;

// Settings that list addresses or networks (Http__KnownProxies, Metrics__AllowedNetworks) take one value
// separated by commas, spaces or semicolons.
internal static class NetworkLists
{
    public static string[] Split(string? value) =>
        (value ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // An address (10.0.0.5, a network of one) or a CIDR network (10.0.0.0/24).
    public static bool TryParseAddressOrNetwork(string entry, out IPNetwork network)
    {
        if (entry.Contains('/')) return IPNetwork.TryParse(entry, out network);
        if (IPAddress.TryParse(entry, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        network = default;
        return false;
    }
}
