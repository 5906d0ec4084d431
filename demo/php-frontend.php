<?php
// The demo's PHP frontend: PECL memcache with its defaults (consistent hashing, crc32), the way
// a PHP site in the same cluster is configured. Usage:
//   php php-frontend.php write <prefix> <count> host:port…   stores value(i) under <prefix><i>
//   php php-frontend.php read <prefix> <count> host:port…    prints JSON of what it read
// Prints one JSON document: {"extension": version, "values": {key: value}}.
[$self, $mode, $prefix, $count] = $argv;
$servers = array_slice($argv, 4);
ini_set('memcache.hash_strategy', 'consistent');
ini_set('memcache.hash_function', 'crc32');
$mc = new Memcache();
foreach ($servers as $server) {
    [$host, $port] = explode(':', $server);
    $mc->addServer($host, (int) $port);
}

/** What PHP writes for index $i: the value types a PHP application stores. */
function value(int $i) {
    switch ($i % 5) {
        case 0: return ['id' => $i, 'name' => "user $i ✓", 'score' => $i * 1.5, 'tags' => ['php', 'node'], 'active' => $i % 2 === 0];
        case 1: return $i * 1000;
        case 2: return "plain string $i é";
        case 3: return $i / 8;
        default: return [$i, [$i + 1, null], true];
    }
}

$values = [];
for ($i = 0; $i < (int) $count; $i++) {
    $key = $prefix . $i;
    if ($mode === 'write') {
        if (!$mc->set($key, value($i), 0, 0)) { fwrite(STDERR, "set $key failed\n"); exit(1); }
        $values[$key] = value($i);
    } else {
        $got = $mc->get([$key]);
        $values[$key] = is_array($got) && array_key_exists($key, $got) ? $got[$key] : '(miss)';
    }
}
echo json_encode(['extension' => phpversion('memcache'), 'php' => PHP_VERSION, 'values' => $values], JSON_PRESERVE_ZERO_FRACTION | JSON_UNESCAPED_UNICODE), "\n";
