// jsforce reads http(s)_proxy when it is first imported and ignores NO_PROXY, so loopback calls
// to the emulator would go through a proxy. Import this before jsforce.
for (const key of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[key];
