// A C++ program that throws across frames in 8 threads while connecting to
// a loopback listener: under the preload it must print and exit exactly as
// without it (unwinding through hooked calls, thread start, static init).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

static std::atomic<int> caught{0}, connected{0};

static void deep(int n, int port)
{
	if (n == 0) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_port = htons(static_cast<uint16_t>(port));
		inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
		if (connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)) == 0)
			connected++;
		close(fd);
		throw std::runtime_error("bottom " + std::to_string(port));
	}
	deep(n - 1, port);
}

int main()
{
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in a{};
	socklen_t l = sizeof(a);
	a.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	bind(ls, reinterpret_cast<sockaddr *>(&a), sizeof(a));
	listen(ls, 256);
	getsockname(ls, reinterpret_cast<sockaddr *>(&a), &l);
	int port = ntohs(a.sin_port);
	std::vector<std::thread> t;
	for (int i = 0; i < 8; i++)
		t.emplace_back([port] {
			for (int k = 0; k < 20; k++) {
				try {
					deep(10, port);
				} catch (const std::runtime_error &e) {
					caught++;
				}
			}
		});
	for (auto &x : t)
		x.join();
	std::printf("caught %d connected %d\n", caught.load(), connected.load());
	return caught == 160 && connected == 160 ? 3 : 1;
}
