{
  "targets": [
    {
      "target_name": "speclin_avx2",
      "type": "static_library",
      "sources": ["<!@(node scripts/list-sources.mjs avx2)"],
      "include_dirs": ["native/include", "native/core"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-mavx2", "-mfma"]
    },
    {
      "target_name": "speclin",
      "dependencies": ["speclin_avx2"],
      "sources": [
        "<!@(node scripts/list-sources.mjs core)",
        "<!@(node scripts/list-sources.mjs addon)"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/include", "native/core"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno"],
      "libraries": ["-lpthread"]
    },
    {
      "target_name": "libspeclin",
      "product_name": "speclin",
      "product_prefix": "lib",
      "type": "shared_library",
      "product_dir": "<(PRODUCT_DIR)",
      "dependencies": ["speclin_avx2"],
      "sources": [
        "<!@(node scripts/list-sources.mjs core)",
        "<!@(node scripts/list-sources.mjs c_api)"
      ],
      "include_dirs": ["native/include", "native/core"],
      "defines": ["SPECLIN_VERSION_STRING=\"<!(node -p \"require('./package.json').version\")\""],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fvisibility=hidden"],
      "ldflags": ["-Wl,--exclude-libs,ALL", "-Wl,--version-script=<(module_root_dir)/native/c_api/exports.map"],
      "libraries": ["-lpthread"]
    }
  ]
}
