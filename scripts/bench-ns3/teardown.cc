// teardown.cc: the many-connections workload of emu's
// scripts/bench-many/many-connections.yaml written for ns-3, so that the
// memory and time the two take can be compared (teardown.sh).
//
// Two nodes joined by a point-to-point link (10 Gb/s, 100 us one way). The
// client opens a TCP connection every EVERY microseconds, COUNT of them;
// on each it sends 100 bytes, reads the 100-byte answer and closes first.
// The server accepts every connection, reads 100 bytes, answers 100 bytes,
// and closes when the client's FIN arrives. TIME_WAIT lasts 60 s as on
// Linux (MaxSegLifetime 30 s: ns-3 holds 2 MSL). The run stops at STOP
// seconds of simulated time.
//
// Usage: teardown COUNT EVERY_US STOP_S
// It prints one line:
//   teardown connections=COUNT started=S accepted=A client_closed=C
//            server_closed=D end=T
// so that teardown.sh can check every connection ran to its end.

#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <cstdio>
#include <cstdlib>
#include <map>

using namespace ns3;

static Ptr<Node> g_client;
static Address g_server;
static uint32_t g_count, g_started, g_clientDone, g_serverDone, g_accepted;
static Time g_every;
static std::map<Socket*, uint32_t> g_got;

static void ServerRecv(Ptr<Socket> s) {
  Ptr<Packet> p;
  uint32_t &got = g_got[PeekPointer(s)];
  while ((p = s->Recv())) {
    if (got < 100 && got + p->GetSize() >= 100) {
      got += p->GetSize();
      s->Send(Create<Packet>(100));
    } else {
      got += p->GetSize();
    }
  }
}

static void ServerPeerClosed(Ptr<Socket> s) {
  g_got.erase(PeekPointer(s));
  s->Close();
  g_serverDone++;
}

static void ServerError(Ptr<Socket> s) { g_got.erase(PeekPointer(s)); }

static bool ServerAcceptRequest(Ptr<Socket>, const Address &) { return true; }

static void ServerAccept(Ptr<Socket> s, const Address &) {
  g_accepted++;
  s->SetRecvCallback(MakeCallback(&ServerRecv));
  s->SetCloseCallbacks(MakeCallback(&ServerPeerClosed), MakeCallback(&ServerError));
}

static void ClientRecv(Ptr<Socket> s) {
  Ptr<Packet> p;
  uint32_t &got = g_got[PeekPointer(s)];
  while ((p = s->Recv())) {
    got += p->GetSize();
  }
  if (got >= 100) {
    g_got.erase(PeekPointer(s));
    s->Close();
    g_clientDone++;
  }
}

static void ClientConnected(Ptr<Socket> s) { s->Send(Create<Packet>(100)); }
static void ClientFailed(Ptr<Socket> s) { g_got.erase(PeekPointer(s)); }

static void StartClient() {
  Ptr<Socket> s = Socket::CreateSocket(g_client, TcpSocketFactory::GetTypeId());
  s->Bind();
  s->SetConnectCallback(MakeCallback(&ClientConnected), MakeCallback(&ClientFailed));
  s->SetRecvCallback(MakeCallback(&ClientRecv));
  s->Connect(g_server);
  if (++g_started < g_count) {
    Simulator::Schedule(g_every, &StartClient);
  }
}

int main(int argc, char **argv) {
  g_count = argc > 1 ? std::atoi(argv[1]) : 10000;
  double everyUs = argc > 2 ? std::atof(argv[2]) : 1000;
  double stopS = argc > 3 ? std::atof(argv[3]) : 1200;
  g_every = MicroSeconds(everyUs);

  Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
  Config::SetDefault("ns3::TcpSocketBase::MaxSegLifetime", DoubleValue(30)); // TIME_WAIT 2*MSL = 60 s, as Linux
  NodeContainer nodes;
  nodes.Create(2);
  PointToPointHelper p2p;
  p2p.SetDeviceAttribute("DataRate", StringValue("10Gbps"));
  p2p.SetChannelAttribute("Delay", StringValue("100us"));
  NetDeviceContainer dev = p2p.Install(nodes);
  InternetStackHelper stack;
  stack.Install(nodes);
  Ipv4AddressHelper addr;
  addr.SetBase("10.0.0.0", "255.255.255.0");
  Ipv4InterfaceContainer ifs = addr.Assign(dev);

  g_client = nodes.Get(0);
  g_server = InetSocketAddress(ifs.GetAddress(1), 8000);
  Ptr<Socket> lis = Socket::CreateSocket(nodes.Get(1), TcpSocketFactory::GetTypeId());
  lis->Bind(InetSocketAddress(Ipv4Address::GetAny(), 8000));
  lis->Listen();
  lis->SetAcceptCallback(MakeCallback(&ServerAcceptRequest), MakeCallback(&ServerAccept));

  Simulator::Schedule(Seconds(0), &StartClient);
  Simulator::Stop(Seconds(stopS));
  Simulator::Run();
  std::printf("teardown connections=%u started=%u accepted=%u client_closed=%u server_closed=%u end=%.3f\n",
              g_count, g_started, g_accepted, g_clientDone, g_serverDone, Simulator::Now().GetSeconds());
  Simulator::Destroy();
  return 0;
}
