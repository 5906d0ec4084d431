<?php
// A real PHP frontend for the interop tests: php driver.php <memcache|memcached[:zlib]> <port> <command> [prefix]
//   catalogue <prefix>  stores every value of catalogue() under <prefix><name>, prints the names
//   echo               reads each key given on stdin (one per line), stores what it read under
//                      <key>_php with its own extension, prints base64(serialize(value)) per key,
//                      or "MISS" / "FAIL <message>"
[$self, $ext, $port, $command] = $argv + [null, null, null, null];
$prefix = $argv[4] ?? '';
[$ext, $compression] = explode(':', $ext) + [null, null];

class Point { public $x = 1; protected $y = 'two'; private $z = [3]; }
enum Suit: string { case Hearts = 'H'; }

function catalogue(): array {
    $nested = ['list' => [1, 2, [3, 4]], 'map' => ['a' => true, 'b' => null, 'c' => 1.5], 'empty' => []];
    $shared = ['s' => 1];
    return [
        'string' => 'plain text',
        'utf8' => 'héllo wörld ✓ 日本',
        'binary' => "\x00\xff\xfe binary",
        'empty' => '',
        'int' => 42,
        'negative' => -7,
        'int_max' => PHP_INT_MAX,
        'float' => 0.1,
        'float_big' => 1e100,
        'float_int' => 3.0,
        'inf' => INF,
        'true' => true,
        'false' => false,
        'null' => null,
        'list' => [1, 'two', 3.5],
        'assoc' => ['a' => 1, 'b' => 'x'],
        'sparse' => [5 => 'five', 9 => 'nine'],
        'nested' => $nested,
        'object' => new Point(),
        'stdclass' => (object) ['k' => 'v'],
        'enum' => Suit::Hearts,
        'refs' => [$shared, $shared],
        'large' => str_repeat('memcached interop ', 3000),
        'large_array' => array_fill(0, 2000, 'repeated value'),
    ];
}

if ($ext === 'memcache') {
    $mc = new Memcache();
    $mc->addServer('127.0.0.1', (int) $port);
    // A multi-get: PECL's single-key get() answers false for a stored null.
    $get = function ($k) use ($mc) { $r = $mc->get([$k]); return is_array($r) && array_key_exists($k, $r) ? $r[$k] : new ArrayObject(); };
    $set = fn($k, $v) => $mc->set($k, $v, 0, 0);
} else {
    $mc = new Memcached();
    $mc->addServer('127.0.0.1', (int) $port);
    if ($compression === 'zlib') $mc->setOption(Memcached::OPT_COMPRESSION_TYPE, Memcached::COMPRESSION_ZLIB);
    $get = function ($k) use ($mc) { $v = $mc->get($k); return $mc->getResultCode() === Memcached::RES_NOTFOUND ? new ArrayObject() : $v; };
    $set = fn($k, $v) => $mc->set($k, $v);
}

if ($command === 'catalogue') {
    foreach (catalogue() as $name => $value) {
        if (!$set($prefix . $name, $value)) { fwrite(STDERR, "set $name failed\n"); exit(1); }
        echo $name, "\n";
    }
} elseif ($command === 'echo') {
    set_error_handler(function ($no, $message) { throw new ErrorException($message); });
    foreach (file('php://stdin', FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) as $key) {
        try {
            $value = $get($key);
            if ($value instanceof ArrayObject) { echo "MISS\n"; continue; }
            $set($key . '_php', $value);
            echo base64_encode(serialize($value)), "\n";
        } catch (Throwable $e) {
            echo 'FAIL ', str_replace("\n", ' ', $e->getMessage()), "\n";
        }
    }
} else {
    fwrite(STDERR, "unknown command $command\n");
    exit(2);
}
